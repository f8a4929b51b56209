// Live thread page: new replies announced in a banner and inserted in place on request; edits and
// removals updated in place. Protocol: docs/live-protocol.md. Without this file the page is static.
//
// Nothing lost silently: every event of the thread carries the thread's number (`seq`, one more per
// event). The page keeps the last *contiguous* number it holds (`lastSeq`, first from `hello`) and
// the highest post id it knows (`lastPostId`), and
//   - applies an event at once, and ignores one whose number it already holds (a repeat);
//   - on a number past `lastSeq + 1` (a gap: an event was lost on its way), waits about a second
//     for the missing ones; if they do not come, it heals: `resume {after_post, after_seq}` makes
//     the server send the posts created since and those changed in the last seconds, then
//     `resumed {seq}`, from which the page counts again (one such resume at a time);
//   - on every (re)connection resumes the same way; `hello {seq}` sets the count (also when it is
//     lower than the page's: the server's counter was lost and started again).
// The list element tells tests and the curious what happened: data-live-seq, data-live-gaps (gaps
// seen), data-live-heals (resumes sent to heal one), data-live-repeats (repeats ignored).
import { interpolate, loadCatalogue, ngettext } from "./i18n.js";
import { openLiveSocket } from "./socket.js";

export const GAP_WAIT = 1000;

const banner = document.querySelector("[data-live-thread]");
const list = document.querySelector(".post-list[data-thread-id]");

function label(name, value) {
  const text = banner.dataset[name] || "";
  return value === undefined ? text : text.replace("%s", String(value));
}

function postsOnPage() {
  return Array.from(list.querySelectorAll("article.post[data-post-id]"));
}

function parseFragment(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  return template.content.querySelector("article.post");
}

async function fetchPost(url) {
  const view = list.dataset.view === "flat" ? "?view=flat" : "";
  const response = await fetch(url + view, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (!response.ok) return { status: response.status, post: null };
  return { status: response.status, post: parseFragment(await response.text()) };
}

function start() {
  const button = banner.querySelector(".live-banner-button");
  const elsewhere = banner.querySelector(".live-elsewhere");
  const pending = new Map();
  // Every post id announced so far: a resume may repeat recent posts, each is counted once.
  const known = new Set();
  let lastPostId = Number(banner.dataset.lastSeq) || 0;
  for (const post of postsOnPage()) lastPostId = Math.max(lastPostId, Number(post.dataset.postId));
  // Posts up to here existed when the page was made: the first resume's repeats of them are not news.
  const renderedPostId = lastPostId;
  let firstResume = true;
  let lastSeq = null; // the last contiguous event number held (null until the first hello)
  const early = new Map(); // number past a gap (already applied) -> its post id (0: not a new post)
  let gapTimer = null;
  let gapFrom = null;
  const stats = { gaps: 0, heals: 0, repeats: 0 };
  let healing = false; // a healing resume is on its way: no second one until its answer
  let socket = null;
  let resyncNeeded = false;
  let inserting = false;

  function render() {
    if (resyncNeeded) {
      button.textContent = label("labelResync");
      button.hidden = false;
      return;
    }
    button.textContent = label("labelNew", pending.size);
    button.hidden = pending.size === 0;
  }

  function noteElsewhere(event) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = `/t/post/${event.post_id}/`;
    link.textContent = label("labelElsewhere");
    item.append(link);
    elsewhere.append(item);
  }

  function place(post, event) {
    post.classList.add("live-new");
    // Later pages exist: a new post's place (the end of its parent's replies, or the end of the
    // thread) may be on one of them, so offer a link rather than show it out of order.
    if (list.dataset.more) return false;
    if (list.dataset.view === "flat") {
      list.append(post);
      return true;
    }
    const parent = event.parent_id ? document.getElementById(`post-${event.parent_id}`) : null;
    if (!parent) return false;
    const next = parent.nextElementSibling;
    if (next && next.matches("details.replies")) {
      next.append(post);
      return true;
    }
    // After the replies to the same post already inserted live: several stay in the order written.
    let anchor = parent;
    post.dataset.liveParent = String(event.parent_id);
    while (anchor.nextElementSibling?.matches(`article.post.live-new[data-live-parent="${event.parent_id}"]`)) {
      anchor = anchor.nextElementSibling;
    }
    anchor.after(post);
    return true;
  }

  async function showPending() {
    if (resyncNeeded) {
      window.location.reload();
      return;
    }
    if (inserting) return;
    inserting = true;
    const events = Array.from(pending.values()).sort((a, b) => a.post_id - b.post_id);
    let first = null;
    let added = 0;
    for (const event of events) {
      pending.delete(event.post_id);
      if (document.getElementById(`post-${event.post_id}`)) continue;
      try {
        const { post } = await fetchPost(event.fragment_url);
        if (post && place(post, event)) first = first || post;
        else if (post) noteElsewhere(event);
        if (post) added += 1;
      } catch {
        pending.set(event.post_id, event);
      }
    }
    inserting = false;
    render();
    if (added) await countReplies(added);
    if (first) {
      // The reader asked to see it: bring the first new post into view (it may be far up a tree, or
      // below the fold on a phone), and let keyboard and screen-reader users continue from it.
      first.setAttribute("tabindex", "-1");
      first.focus({ preventScroll: true });
      const box = first.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) first.scrollIntoView({ block: "center" });
    }
  }

  // The header's "N replies" follows the posts shown (each new post is a reply).
  async function countReplies(added) {
    const counter = document.querySelector("[data-reply-count]");
    if (!counter) return;
    const count = (Number(counter.dataset.replyCount) || 0) + added;
    counter.dataset.replyCount = String(count);
    await loadCatalogue();
    counter.textContent = interpolate(ngettext("%(count)s reply", "%(count)s replies", count), { count });
  }

  async function refresh(event) {
    const current = document.getElementById(`post-${event.post_id}`);
    if (!current) return;
    try {
      const { status, post } = await fetchPost(event.fragment_url);
      if (post) {
        current.replaceWith(post);
      } else if (status === 404 || status === 403) {
        const body = current.querySelector(".post-body");
        if (body) {
          const note = document.createElement("p");
          note.className = "post-placeholder";
          note.textContent = label("labelRemoved");
          body.replaceWith(note);
        }
        current.querySelector(".post-actions")?.remove();
      }
    } catch {
      // Network trouble: the next page load shows the change.
    }
  }

  function threadChanged(event) {
    const title = document.querySelector(".thread-header h1");
    if (title && event.title) title.textContent = event.title;
    const note = document.createElement("li");
    const link = document.createElement("a");
    link.href = window.location.pathname + window.location.search;
    link.textContent = label("labelChanged");
    note.append(link);
    elsewhere.replaceChildren(note);
  }

  function tell() {
    list.dataset.liveSeq = lastSeq === null ? "" : String(lastSeq);
    list.dataset.liveGaps = String(stats.gaps);
    list.dataset.liveHeals = String(stats.heals);
    list.dataset.liveRepeats = String(stats.repeats);
  }

  function stopGapTimer() {
    window.clearTimeout(gapTimer);
    gapTimer = null;
  }

  function drain() {
    while (early.has(lastSeq + 1)) {
      lastPostId = Math.max(lastPostId, early.get(lastSeq + 1));
      early.delete(lastSeq + 1);
      lastSeq += 1;
    }
    for (const [seq, postId] of early) {
      if (seq <= lastSeq) {
        lastPostId = Math.max(lastPostId, postId);
        early.delete(seq);
      }
    }
  }

  function watchGap() {
    if (early.size === 0) {
      stopGapTimer();
      return;
    }
    if (gapTimer !== null) return;
    gapFrom = lastSeq;
    gapTimer = window.setTimeout(() => {
      gapTimer = null;
      if (early.size === 0) return;
      // No progress for a whole wait: the missing events are lost; ask for what they changed.
      if (lastSeq === gapFrom) heal();
      watchGap();
    }, GAP_WAIT);
  }

  function heal() {
    // One resume at a time: on a slow server the answer may take longer than the wait, and a
    // thousand pages asking again every second would only slow it more.
    if (healing || resyncNeeded) return;
    if (socket && socket.send(resumeFrame())) {
      healing = true;
      stats.heals += 1;
    }
    tell();
  }

  // Whether a numbered event is news (and note its number); unnumbered ones (a resume's replays)
  // always are: the post ids sort them out. A new post's id counts as seen (`lastPostId`, what a
  // resume starts from) only once every earlier number is held: a lost post may have a lower id.
  function sequenced(message) {
    const postId = message.type === "discussions.post.created" ? message.post_id || 0 : 0;
    const seq = message.seq;
    if (message.type === "resumed" || message.type === "resync") return true; // a number, not an event's
    if (!Number.isInteger(seq) || lastSeq === null) {
      lastPostId = Math.max(lastPostId, postId);
      return true;
    }
    if (seq <= lastSeq || early.has(seq)) {
      stats.repeats += 1;
      tell();
      return false;
    }
    if (seq === lastSeq + 1) {
      lastSeq = seq;
      lastPostId = Math.max(lastPostId, postId);
      drain();
    } else {
      if (early.size === 0) stats.gaps += 1;
      early.set(seq, postId);
    }
    watchGap();
    tell();
    return true;
  }

  function counted(seq) {
    // `hello` and `resumed` say where the thread's numbering stands: count from there.
    if (!Number.isInteger(seq)) return;
    lastSeq = lastSeq === null ? seq : Math.max(lastSeq, seq);
    drain();
    watchGap();
    tell();
  }

  function handle(message) {
    if (message.type === "hello") {
      // A fresh count: the resume sent on connecting covers what came before it. A number lower
      // than ours means the server's counter was lost and started again.
      lastSeq = Number.isInteger(message.seq) ? message.seq : null;
      healing = false;
      early.clear();
      stopGapTimer();
      tell();
      return;
    }
    if (!sequenced(message)) return;
    // Other parts of the page (the poll, static/js/polls.js) listen for their own events.
    document.dispatchEvent(new CustomEvent("live-thread:event", { detail: message }));
    switch (message.type) {
      case "discussions.post.created":
        if (firstResume && message.post_id <= renderedPostId) break;
        if (!known.has(message.post_id) && !document.getElementById(`post-${message.post_id}`)) {
          known.add(message.post_id);
          pending.set(message.post_id, message);
          render();
        }
        break;
      case "resumed":
        healing = false;
        firstResume = false;
        lastPostId = Math.max(lastPostId, message.last_post_id || 0);
        counted(message.seq);
        break;
      case "resync":
        healing = false;
        firstResume = false;
        resyncNeeded = true;
        render();
        break;
      case "discussions.post.edited":
      case "discussions.post.removed":
        refresh(message);
        break;
      case "discussions.thread.changed":
        threadChanged(message);
        break;
      default:
        break;
    }
  }

  // Ask for whatever was posted since the page was made, since the connection dropped, or since
  // the last number held (a gap).
  function resumeFrame() {
    const frame = { type: "resume", after_post: lastPostId };
    if (lastSeq !== null) frame.after_seq = lastSeq;
    return frame;
  }

  button.addEventListener("click", showPending);
  render();
  tell();
  socket = openLiveSocket({
    url: banner.dataset.socketUrl,
    onEvent: handle,
    resumeFrame,
    onState: (state) => {
      if (state !== "connected") stopGapTimer();
      list.dataset.live = state;
    },
  });
}

if (banner && list && banner.dataset.socketUrl && "WebSocket" in window) {
  start();
}
