// Live thread page: new replies announced in a banner and inserted in place on request; edits and
// removals updated in place. Protocol: docs/live-protocol.md. Without this file the page is static.
import { interpolate, loadCatalogue, ngettext } from "./i18n.js";
import { openLiveSocket } from "./socket.js";

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
  let lastSeq = Number(banner.dataset.lastSeq) || 0;
  for (const post of postsOnPage()) lastSeq = Math.max(lastSeq, Number(post.dataset.postId));
  // Posts up to here existed when the page was made: the first resume's repeats of them are not news.
  const renderedSeq = lastSeq;
  let firstResume = true;
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
    if (next && next.matches("details.replies")) next.append(post);
    else parent.after(post);
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

  function handle(message) {
    // Other parts of the page (the poll, static/js/polls.js) listen for their own events.
    document.dispatchEvent(new CustomEvent("live-thread:event", { detail: message }));
    switch (message.type) {
      case "discussions.post.created":
        lastSeq = Math.max(lastSeq, message.seq || 0);
        if (firstResume && message.post_id <= renderedSeq) break;
        if (!known.has(message.post_id) && !document.getElementById(`post-${message.post_id}`)) {
          known.add(message.post_id);
          pending.set(message.post_id, message);
          render();
        }
        break;
      case "resumed":
        firstResume = false;
        lastSeq = Math.max(lastSeq, message.last_seq || 0);
        break;
      case "resync":
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

  button.addEventListener("click", showPending);
  render();
  openLiveSocket({
    url: banner.dataset.socketUrl,
    onEvent: handle,
    // Ask for whatever was posted since the page was made (or since the connection dropped).
    resumeFrame: () => ({ type: "resume", after: lastSeq }),
    onState: (state) => {
      list.dataset.live = state;
    },
  });
}

if (banner && list && banner.dataset.socketUrl && "WebSocket" in window) {
  start();
}
