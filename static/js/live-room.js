// A live session room: chat, questions, presence, typing and the room's moderation, live.
// Protocol: docs/live-protocol.md ("Live rooms"); ordering, gaps and resync: live-feed.js.
//
// The server renders the room (templates/live/room.html) readable without JavaScript; this module
// enhances it. What it reads from the page:
//   [data-live-room]: data-socket-url, data-history-url, data-seq (the room's number the page was
//     made at), data-room-id, data-user-id, optional data-catalog-url (the JavaScript catalogue);
//     `data-live` is set to the connection state (connecting | live | reconnecting | offline | closed).
//   inside it, each optional (made here when missing):
//     [data-room-status]     the connection line
//     [data-room-banners]    slow mode, read-only and closed banners
//     [data-room-messages]   <ol> of <li data-message-id data-seq data-author-id>
//     [data-room-composer]   the chat form (a textarea named "body")
//     [data-room-questions]  <ol> of <li data-question-id data-seq data-votes data-state data-pinned
//                            data-voted data-author-id>
//     [data-room-ask]        the question form (a textarea named "body")
//     [data-room-presence]   who is here
//     [data-room-chat] / [data-room-qa]  the two panes (tabs on a phone)
// HTML from the server (`html` fields) is already sanitised (forum.core.richtext); everything else
// is inserted as text.
//
// Sending: each message and question gets a client_id; it shows at once as "sending", becomes
// sent on `ack`, waits (queued) while offline and is sent on reconnect, and is marked "not sent —
// retry" after an `error` or when no `ack` comes in SEND_TIMEOUT. Unsent items are kept in
// localStorage (per room and person), so they survive a reload; a repeated client_id is harmless
// (the server answers with the stored message).
import { createRoomFeed } from "./live-feed.js";
import { gettext, interpolate, loadCatalogue, ngettext } from "./i18n.js";

const SEND_TIMEOUT = 10000;
const TYPING_EVERY = 3000;
const TYPING_SHOWN = 5000;
const NARROW = "(max-width: 48rem)";

// --- Small DOM helpers ---------------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function button(text, attributes = {}) {
  return el("button", { type: "button", class: "button-small", text, ...attributes });
}

function sanitisedHtml(html) {
  // Already sanitised by the server; parsed through a template so no script ever runs.
  const template = document.createElement("template");
  template.innerHTML = html || "";
  return template.content;
}

function textOf(html) {
  const template = document.createElement("template");
  template.innerHTML = html || "";
  return (template.content.textContent || "").trim().replace(/\s+/g, " ");
}

function newClientId() {
  if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
  // Older browsers: a version-4 UUID from getRandomValues.
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function formatTime(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return "";
  try {
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined,
      { hour: "2-digit", minute: "2-digit" }).format(when);
  } catch {
    return when.toISOString().slice(11, 16);
  }
}

function int(value) {
  const number = Number(value);
  return Number.isInteger(number) ? number : null;
}

// --- Words (every one through the JavaScript catalogue) -------------------------------------------

function errorText(code, fallback, retryAfter) {
  if (fallback) return fallback;
  const seconds = Math.max(1, Math.ceil(Number(retryAfter) || 1));
  switch (code) {
    case "slow_mode":
      return interpolate(ngettext("Slow mode is on: please wait %(seconds)s second before your next message.",
        "Slow mode is on: please wait %(seconds)s seconds before your next message.", seconds), { seconds });
    case "rate_limited":
      return interpolate(ngettext("You are sending too fast. Please wait %(seconds)s second.",
        "You are sending too fast. Please wait %(seconds)s seconds.", seconds), { seconds });
    case "muted":
      return gettext("You are muted in this room for now.");
    case "read_only":
      return gettext("The room is read-only for now.");
    case "closed":
      return gettext("This session is closed.");
    case "observer":
      return gettext("Observers may ask questions and vote, but not chat.");
    case "empty":
      return gettext("Write something first.");
    case "too_long":
      return gettext("This is too long.");
    case "already_voted":
      return gettext("You have already voted for this question.");
    case "unavailable":
      return gettext("The server cannot store anything right now. Please try again in a moment.");
    default:
      return gettext("That did not work. Please try again.");
  }
}

// --- The room ------------------------------------------------------------------------------------

function start(root) {
  const roomId = root.dataset.roomId || "";
  const you = { id: int(root.dataset.userId), send: true, ask: true, vote: true, moderate: false,
    muted_until: null, observer: false };
  const room = { state: "open", read_only: false, slow: null };
  const messages = new Map(); // id -> <li>
  const questions = new Map(); // id -> {data, li}
  const held = new Map(); // id -> <li> (moderators: questions waiting for approval)
  const pending = new Map(); // client_id -> {kind, body, status, error, li, timer}
  const typists = new Map(); // user id -> {name, timer}
  let questionOrder = "votes";
  let connection = "connecting";
  let lastTyping = 0;
  let hadConnection = false;

  // ---- The page's parts (made here when the template has none) ----
  function part(selector, make, klass) {
    let node = root.querySelector(selector);
    if (!node) node = make();
    node.classList.add(klass); // the template's element gets the room's look too
    return node;
  }

  const status = part("[data-room-status]", () => {
    const node = el("p", { class: "room-status", "data-room-status": true });
    root.prepend(node);
    return node;
  }, "room-status");
  status.setAttribute("role", "status");
  const banners = part("[data-room-banners]", () => {
    const node = el("div", { class: "room-banners", "data-room-banners": true });
    status.after(node);
    return node;
  }, "room-banners");
  banners.setAttribute("aria-live", "polite");
  const notice = el("p", { class: "room-notice", role: "status", "aria-live": "polite", hidden: true });
  const announcer = el("div", { class: "visually-hidden", "aria-live": "polite", "aria-atomic": "false" });
  banners.after(notice, announcer);
  const chatPane = part("[data-room-chat]", () => {
    const node = el("section", { class: "room-chat", "data-room-chat": true });
    notice.after(node);
    return node;
  }, "room-chat");
  const qaPane = part("[data-room-qa]", () => {
    const node = el("section", { class: "room-qa", "data-room-qa": true });
    chatPane.after(node);
    return node;
  }, "room-qa");
  const messageList = part("[data-room-messages]", () => {
    const node = el("ol", { class: "room-messages", "data-room-messages": true });
    chatPane.append(node);
    return node;
  }, "room-messages");
  messageList.setAttribute("aria-label", gettext("Chat messages"));
  const pendingList = el("ol", { class: "room-messages room-pending", "aria-label": gettext("Your unsent messages") });
  messageList.after(pendingList);
  const typingLine = el("p", { class: "room-typing", "aria-hidden": "true" });
  pendingList.after(typingLine);
  const composer = part("[data-room-composer]", () => {
    const form = el("form", { class: "room-composer", "data-room-composer": true });
    chatPane.append(form);
    return form;
  }, "room-composer");
  fillForm(composer, "room-body", gettext("Message"), gettext("Send"));
  const askForm = part("[data-room-ask]", () => {
    const form = el("form", { class: "room-ask", "data-room-ask": true });
    qaPane.prepend(form);
    return form;
  }, "room-ask");
  fillForm(askForm, "room-question", gettext("Your question"), gettext("Ask"));
  const questionList = part("[data-room-questions]", () => {
    const node = el("ol", { class: "room-questions", "data-room-questions": true });
    qaPane.append(node);
    return node;
  }, "room-questions");
  questionList.setAttribute("aria-label", gettext("Questions"));
  const pendingQuestions = el("ol", { class: "room-questions room-pending", "aria-label": gettext("Your unsent questions") });
  askForm.after(pendingQuestions);
  const sorter = el("div", { class: "room-sort", role: "group", "aria-label": gettext("Sort questions") });
  const byVotes = button(gettext("Most votes"), { "aria-pressed": "true", class: "button-small button-secondary" });
  const byTime = button(gettext("Newest"), { "aria-pressed": "false", class: "button-small button-secondary" });
  sorter.append(byVotes, byTime);
  questionList.before(sorter);
  const presence = part("[data-room-presence]", () => {
    const node = el("div", { class: "room-presence", "data-room-presence": true });
    banners.before(node);
    return node;
  }, "room-presence");
  const heldBox = el("section", { class: "room-held", hidden: true },
    el("h3", { text: gettext("Waiting for approval") }));
  const heldList = el("ol", { class: "room-questions" });
  heldBox.append(heldList);
  sorter.before(heldBox);
  const modPanel = el("details", { class: "room-moderation", hidden: true });

  function fillForm(form, id, labelText, submitText) {
    // The template may give the form; the page works the same either way.
    form.noValidate = true;
    let area = form.querySelector("textarea");
    if (!area) {
      area = el("textarea", { id, name: "body", rows: "2", dir: "auto" });
      form.append(el("label", { for: id, text: labelText }), area);
    }
    area.setAttribute("dir", "auto");
    if (!form.querySelector("[type=submit]")) form.append(el("button", { type: "submit", text: submitText }));
    if (!form.querySelector(".room-form-note")) {
      form.append(el("p", { class: "room-form-note", hidden: true, id: `${id}-note` }));
      area.setAttribute("aria-describedby", `${id}-note`);
    }
  }

  // A room of one kind (chat only, questions only) shows one pane.
  if (root.dataset.mode === "qa") chatPane.hidden = true;
  if (root.dataset.mode === "chat") qaPane.hidden = true;

  // ---- Tabs on a phone: chat and questions ----
  const tabs = el("div", { class: "room-tabs", role: "tablist", "aria-label": gettext("Room") });
  const chatTab = el("button", { type: "button", role: "tab", id: `room-tab-chat-${roomId}`, text: gettext("Chat") });
  const qaTab = el("button", { type: "button", role: "tab", id: `room-tab-qa-${roomId}`, text: gettext("Questions") });
  const qaCount = el("span", { class: "badge", hidden: true });
  qaTab.append(" ", qaCount);
  tabs.append(chatTab, qaTab);
  chatPane.before(tabs);
  chatPane.id = chatPane.id || `room-chat-${roomId}`;
  qaPane.id = qaPane.id || `room-qa-${roomId}`;
  const narrow = window.matchMedia(NARROW);
  let unseenInChat = 0;

  function showTab(name, focus = false) {
    const chat = name === "chat";
    root.dataset.tab = name;
    chatTab.setAttribute("aria-selected", String(chat));
    qaTab.setAttribute("aria-selected", String(!chat));
    chatTab.tabIndex = chat ? 0 : -1;
    qaTab.tabIndex = chat ? -1 : 0;
    if (chat) unseenInChat = 0;
    chatTab.textContent = unseenInChat ? interpolate(gettext("Chat (%(count)s new)"), { count: unseenInChat })
      : gettext("Chat");
    if (focus) (chat ? chatTab : qaTab).focus();
  }

  function layout() {
    const tabbed = narrow.matches && chatPane.hidden !== true && qaPane.hidden !== true;
    tabs.hidden = !tabbed;
    root.classList.toggle("room-tabbed", tabbed);
    for (const [tab, pane] of [[chatTab, chatPane], [qaTab, qaPane]]) {
      if (tabbed) {
        tab.setAttribute("aria-controls", pane.id);
        pane.setAttribute("role", "tabpanel");
        pane.setAttribute("aria-labelledby", tab.id);
      } else {
        pane.removeAttribute("role");
        pane.removeAttribute("aria-labelledby");
      }
    }
  }

  chatTab.addEventListener("click", () => showTab("chat"));
  qaTab.addEventListener("click", () => showTab("qa"));
  tabs.addEventListener("keydown", (event) => {
    if (!["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
    event.preventDefault();
    const toQa = event.key === "End" || ((event.key === "ArrowLeft" || event.key === "ArrowRight")
      && root.dataset.tab === "chat");
    showTab(event.key === "Home" ? "chat" : toQa ? "qa" : "chat", true);
  });
  narrow.addEventListener("change", layout);
  showTab("chat");
  layout();

  // ---- Connection state ----
  function setConnection(state, info = {}) {
    connection = state;
    root.dataset.live = state;
    let text;
    switch (state) {
      case "live":
        text = gettext("Live");
        break;
      case "connecting":
        text = gettext("Connecting…");
        break;
      case "reconnecting":
        text = gettext("Connection lost. Reconnecting…");
        break;
      case "offline":
        text = gettext("Offline. What you write now will be sent when the connection is back.");
        break;
      default:
        text = info.code === 4401 ? gettext("You are signed out. Sign in again to take part.")
          : gettext("Disconnected from the room. Reload the page to try again.");
    }
    status.textContent = text;
    status.dataset.state = state;
    updateForms();
  }

  // ---- Notices and announcements ----
  let noticeTimer = null;
  function say(text, { sticky = false } = {}) {
    window.clearTimeout(noticeTimer);
    notice.textContent = text;
    notice.hidden = !text;
    if (text && !sticky) noticeTimer = window.setTimeout(() => { notice.hidden = true; notice.textContent = ""; }, 15000);
  }

  let announceQueue = [];
  let announceTimer = null;
  function announce(text) {
    // Several at once (a replay after a reconnection) are summed up, not read one by one.
    announceQueue.push(text);
    if (announceTimer) return;
    announceTimer = window.setTimeout(() => {
      const items = announceQueue;
      announceQueue = [];
      announceTimer = null;
      const line = items.length > 3
        ? interpolate(ngettext("%(count)s new message", "%(count)s new messages", items.length), { count: items.length })
        : items.join(" — ");
      announcer.replaceChildren(el("p", { text: line }));
    }, 400);
  }

  // ---- Messages ----
  function authorLine(author, when, klass) {
    const meta = el("p", { class: klass });
    if (author) {
      meta.append(el("span", { class: "room-author", dir: "auto", text: author.name || gettext("Someone") }));
      if (author.organisation) meta.append(" ", el("span", { class: "badge badge-org", dir: "auto", text: author.organisation }));
      if (author.observer) meta.append(" ", el("span", { class: "badge badge-observer", text: gettext("Observer") }));
    } else {
      meta.append(el("span", { class: "room-author", text: gettext("Former member") }));
    }
    if (when) meta.append(" ", el("time", { datetime: when, text: formatTime(when) }));
    return meta;
  }

  function messageActions(li) {
    let actions = li.querySelector(".room-message-actions");
    if (li.classList.contains("room-removed")) {
      actions?.remove();
      return;
    }
    const own = you.id !== null && int(li.dataset.authorId) === you.id;
    if (!actions) {
      actions = el("div", { class: "room-message-actions" });
      li.append(actions);
    }
    actions.replaceChildren();
    if (own || you.moderate) {
      actions.append(button(gettext("Delete"), { "data-action": "delete", class: "button-small link-button" }));
    }
    if (you.moderate && !own && li.dataset.authorId) {
      actions.append(button(gettext("Mute…"), { "data-action": "mute", class: "button-small link-button" }));
    }
    actions.hidden = actions.childElementCount === 0;
  }

  function messageElement(event) {
    const li = el("li", { class: "room-message", id: `room-message-${event.id}`, "data-message-id": event.id,
      "data-seq": event.seq, "data-author-id": event.author ? event.author.id : null,
      "data-client-id": event.client_id || null });
    const meta = authorLine(event.author, event.sent_at, "room-message-meta");
    if (event.edited_at) meta.append(" ", el("span", { class: "room-edited", text: gettext("(edited)") }));
    const body = el("div", { class: "room-message-body user-content", dir: "auto" });
    body.append(sanitisedHtml(event.html));
    li.append(meta, body);
    messageActions(li);
    return li;
  }

  function placeBySeq(list, li, seq) {
    // Numbers only grow, so new messages nearly always go last: look from the end.
    let after = list.lastElementChild;
    while (after && int(after.dataset.seq) !== null && int(after.dataset.seq) > seq) after = after.previousElementSibling;
    if (after) after.after(li);
    else list.prepend(li);
  }

  function nearBottom() {
    const box = messageList;
    return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  }

  function keepAtBottom(wasNear) {
    if (wasNear) messageList.scrollTop = messageList.scrollHeight;
  }

  function addMessage(event) {
    const id = int(event.id);
    if (id === null || messages.has(id)) return;
    const wasNear = nearBottom();
    const li = messageElement(event);
    messages.set(id, li);
    placeBySeq(messageList, li, event.seq);
    // Our own message coming back: the pending copy goes.
    if (event.client_id && pending.has(event.client_id)) settle(event.client_id);
    for (const [clientId, p] of pending) if (p.sentId === id && p.kind === "send") settle(clientId);
    keepAtBottom(wasNear);
    if (!event.author || event.author.id !== you.id) {
      announce(interpolate(gettext("%(name)s: %(text)s"), {
        name: event.author ? event.author.name : gettext("Former member"), text: textOf(event.html) }));
      if (root.classList.contains("room-tabbed") && root.dataset.tab !== "chat") {
        unseenInChat += 1;
        chatTab.textContent = interpolate(gettext("Chat (%(count)s new)"), { count: unseenInChat });
      }
    }
  }

  function updateMessage(event) {
    const li = messages.get(int(event.id));
    if (!li || li.classList.contains("room-removed")) return;
    const body = li.querySelector(".room-message-body");
    if (body) body.replaceChildren(sanitisedHtml(event.html));
    const meta = li.querySelector(".room-message-meta");
    if (meta && !meta.querySelector(".room-edited")) meta.append(" ", el("span", { class: "room-edited", text: gettext("(edited)") }));
  }

  function removeMessage(event) {
    const li = messages.get(int(event.id));
    if (!li) return;
    li.classList.add("room-removed");
    const body = li.querySelector(".room-message-body");
    const note = el("p", { class: "room-message-body room-placeholder",
      text: event.by === "author" ? gettext("The author deleted this message.")
        : gettext("A moderator removed this message.") });
    if (body) body.replaceWith(note);
    else li.append(note);
    li.querySelector(".room-edited")?.remove();
    li.querySelector(".room-message-actions")?.remove();
    li.querySelector(".room-inline-form")?.remove();
  }

  // ---- Questions ----
  function questionData(li) {
    return {
      id: int(li.dataset.questionId), seq: int(li.dataset.seq), votes: int(li.dataset.votes) || 0,
      state: li.dataset.state || "open", pinned: li.dataset.pinned === "true", voted: li.dataset.voted === "true",
      author_id: int(li.dataset.authorId), asked_at: li.querySelector("time")?.getAttribute("datetime") || "",
    };
  }

  function questionElement(q) {
    const li = el("li", { class: "room-question", id: `room-question-${q.id}`, "data-question-id": q.id });
    const vote = el("button", { type: "button", class: "room-vote", "data-action": "vote" });
    const body = el("div", { class: "room-question-body user-content", dir: "auto" });
    body.append(sanitisedHtml(q.html));
    const meta = authorLine(q.author, q.asked_at, "room-question-meta");
    li.append(vote, el("div", { class: "room-question-main" }, meta, body));
    return li;
  }

  function drawQuestion(entry) {
    const { data: q, li } = entry;
    li.dataset.seq = q.seq ?? "";
    li.dataset.votes = String(q.votes);
    li.dataset.state = q.state;
    li.dataset.pinned = String(Boolean(q.pinned));
    li.dataset.voted = String(Boolean(q.voted));
    if (q.author_id !== null && q.author_id !== undefined) li.dataset.authorId = q.author_id;
    li.classList.toggle("room-question-pinned", Boolean(q.pinned));
    li.classList.toggle("room-question-answered", q.state === "answered");
    let vote = li.querySelector(".room-vote");
    if (!vote) {
      vote = el("button", { type: "button", class: "room-vote", "data-action": "vote" });
      li.prepend(vote);
    }
    vote.replaceChildren(el("span", { "aria-hidden": "true", text: "▲" }), " ",
      el("span", { class: "room-vote-count", text: String(q.votes) }));
    vote.setAttribute("aria-pressed", String(Boolean(q.voted)));
    vote.setAttribute("aria-label", interpolate(q.voted
      ? ngettext("You voted for this question (%(count)s vote). Press to take your vote back.",
        "You voted for this question (%(count)s votes). Press to take your vote back.", q.votes)
      : ngettext("Vote for this question (%(count)s vote so far)", "Vote for this question (%(count)s votes so far)", q.votes),
    { count: q.votes }));
    vote.disabled = !you.vote || q.state === "answered" || room.state === "closed";
    const main = li.querySelector(".room-question-main") || li;
    let badges = main.querySelector(".room-question-badges");
    if (!badges) {
      badges = el("p", { class: "room-question-badges" });
      main.prepend(badges);
    }
    badges.replaceChildren();
    if (q.pinned) badges.append(el("span", { class: "badge badge-pinned", text: gettext("Pinned") }));
    if (q.state === "answered") badges.append(el("span", { class: "badge badge-answered", text: gettext("Answered") }));
    badges.hidden = badges.childElementCount === 0;
    let actions = main.querySelector(".room-question-actions");
    if (!you.moderate) {
      actions?.remove();
      return;
    }
    if (!actions) {
      actions = el("div", { class: "room-question-actions" });
      main.append(actions);
    }
    actions.replaceChildren();
    if (q.state !== "answered") actions.append(button(gettext("Mark answered"), { "data-action": "answer", class: "button-small link-button" }));
    actions.append(q.pinned ? button(gettext("Unpin"), { "data-action": "unpin", class: "button-small link-button" })
      : button(gettext("Pin"), { "data-action": "pin", class: "button-small link-button" }));
    actions.append(button(gettext("Hide"), { "data-action": "hide", class: "button-small link-button" }));
    actions.append(button(gettext("Merge into…"), { "data-action": "merge", class: "button-small link-button" }));
  }

  function sortQuestions() {
    const entries = [...questions.values()];
    const rank = (q) => (q.pinned ? 0 : q.state === "answered" ? 2 : 1);
    entries.sort((a, b) => {
      const x = a.data;
      const y = b.data;
      if (rank(x) !== rank(y)) return rank(x) - rank(y);
      if (questionOrder === "votes" && x.votes !== y.votes) return y.votes - x.votes;
      const order = (x.seq ?? x.id) - (y.seq ?? y.id);
      return questionOrder === "votes" ? order : -order;
    });
    // Move only what is out of place; a moved element loses focus, so it is given back.
    const active = document.activeElement;
    entries.forEach((entry, index) => {
      if (questionList.children[index] !== entry.li) questionList.insertBefore(entry.li, questionList.children[index] || null);
    });
    if (active && active !== document.activeElement && questionList.contains(active)) active.focus({ preventScroll: true });
    const open = entries.filter((e) => e.data.state !== "answered").length;
    qaCount.textContent = String(open);
    qaCount.hidden = open === 0;
  }

  function upsertQuestion(event) {
    const id = int(event.id);
    if (id === null) return;
    heldList.querySelector(`[data-question-id="${id}"]`)?.remove();
    held.delete(id);
    heldBox.hidden = held.size === 0;
    if (event.merged_into || event.state === "hidden") {
      dropQuestion(id);
      return;
    }
    let entry = questions.get(id);
    if (!entry) {
      const data = { voted: false, ...event, author_id: event.author ? event.author.id : null };
      entry = { data, li: questionElement(data) };
      questions.set(id, entry);
      if (event.client_id && pending.has(event.client_id)) settle(event.client_id);
    } else {
      for (const key of ["votes", "state", "pinned", "merged_into", "seq"]) if (key in event && event[key] !== undefined) entry.data[key] = event[key];
      if (event.html !== undefined) entry.li.querySelector(".room-question-body")?.replaceChildren(sanitisedHtml(event.html));
    }
    if (event.voted !== undefined) entry.data.voted = Boolean(event.voted);
    drawQuestion(entry);
    sortQuestions();
  }

  function dropQuestion(id) {
    const entry = questions.get(id);
    if (!entry) return;
    entry.li.remove();
    questions.delete(id);
    sortQuestions();
  }

  function addHeld(event) {
    if (!you.moderate) return;
    const id = int(event.id);
    if (id === null || questions.has(id) || held.has(id)) return;
    const li = questionElement({ ...event, votes: 0 });
    li.querySelector(".room-vote").remove();
    li.dataset.state = "held";
    li.append(el("div", { class: "room-question-actions" },
      button(gettext("Approve"), { "data-action": "approve", class: "button-small" }),
      button(gettext("Hide"), { "data-action": "hide", class: "button-small button-secondary" })));
    held.set(id, li);
    heldList.append(li);
    heldBox.hidden = false;
  }

  // ---- Room state: banners and what the forms allow ----
  function drawBanners() {
    const items = [];
    if (room.state === "closed") items.push(["room-banner-closed", gettext("This session has ended. The room is read-only."), null]);
    else if (room.state === "scheduled") items.push(["room-banner-closed", gettext("This session has not started yet."), null]);
    if (room.read_only && room.state === "open") items.push(["room-banner-readonly", gettext("The room is read-only for now: only moderators can write."), null]);
    if (room.slow && room.slow.seconds > 0) {
      const seconds = room.slow.seconds;
      let text = interpolate(ngettext("Slow mode: one message every %(seconds)s second per person.",
        "Slow mode: one message every %(seconds)s seconds per person.", seconds), { seconds });
      if (room.slow.set_by) text += " " + interpolate(gettext("Set by %(name)s."), { name: room.slow.set_by });
      items.push(["room-banner-slow", text, room.slow.reason || null]);
    }
    banners.replaceChildren(...items.map(([klass, text, reason]) => {
      const banner = el("p", { class: `room-banner ${klass}`, text });
      if (reason) banner.append(" ", el("span", { class: "room-banner-reason", dir: "auto", text: interpolate(gettext("Reason: %(reason)s"), { reason }) }));
      return banner;
    }));
    root.dataset.slowMode = room.slow && room.slow.seconds > 0 ? String(room.slow.seconds) : "0";
  }

  function formNote(form, text) {
    const note = form.querySelector(".room-form-note");
    if (!note) return;
    note.textContent = text || "";
    note.hidden = !text;
  }

  function mutedNow() {
    return you.muted_until && new Date(you.muted_until) > new Date();
  }

  function updateForms() {
    // Offline is fine: what is written is queued. Only what the server would refuse is disabled.
    const writable = room.state === "open" && (!room.read_only || you.moderate);
    let chatWhy = "";
    if (!writable) chatWhy = room.state === "open" ? gettext("The room is read-only for now.") : gettext("This session is not open.");
    else if (you.observer) chatWhy = gettext("Observers may ask questions and vote, but not chat.");
    else if (mutedNow()) chatWhy = interpolate(gettext("You are muted in this room until %(time)s."), { time: formatTime(you.muted_until) });
    else if (!you.send) chatWhy = gettext("You cannot write in this chat.");
    let askWhy = "";
    if (!writable) askWhy = chatWhy && !you.observer ? chatWhy : gettext("This session is not open.");
    else if (!you.ask) askWhy = gettext("You cannot ask questions in this room.");
    if (connection === "closed") {
      chatWhy = chatWhy || status.textContent;
      askWhy = askWhy || status.textContent;
    }
    for (const [form, why] of [[composer, chatWhy], [askForm, askWhy]]) {
      const area = form.querySelector("textarea");
      const submit = form.querySelector("[type=submit]");
      area.disabled = Boolean(why);
      if (submit) submit.disabled = Boolean(why);
      formNote(form, why);
    }
    for (const entry of questions.values()) drawQuestion(entry);
  }

  // ---- Pending sends (survive a reload) ----
  function storageKey() {
    return `madaniya.live.${roomId}.${you.id ?? "anon"}.pending`;
  }

  function store() {
    try {
      const items = [...pending.entries()].filter(([, p]) => p.status !== "sent").map(([clientId, p]) => ({ client_id: clientId, kind: p.kind, body: p.body, failed: p.status === "failed", error: p.error || "" }));
      if (items.length) window.localStorage.setItem(storageKey(), JSON.stringify(items));
      else window.localStorage.removeItem(storageKey());
    } catch {
      // Storage full or forbidden (private mode): pending items only live as long as the page.
    }
  }

  function restore() {
    let items = [];
    try {
      items = JSON.parse(window.localStorage.getItem(storageKey()) || "[]");
    } catch {
      items = [];
    }
    for (const item of Array.isArray(items) ? items : []) {
      if (!item || typeof item.client_id !== "string" || typeof item.body !== "string" || pending.has(item.client_id)) continue;
      addPending(item.client_id, item.kind === "ask" ? "ask" : "send", item.body,
        item.failed ? "failed" : "queued", item.error || "");
    }
  }

  function drawPending(clientId) {
    const p = pending.get(clientId);
    if (!p) return;
    const li = p.li;
    li.dataset.status = p.status;
    const state = li.querySelector(".room-pending-state");
    const actions = li.querySelector(".room-pending-actions");
    actions.replaceChildren();
    if (p.status === "failed") {
      state.textContent = p.error ? interpolate(gettext("Not sent: %(reason)s"), { reason: p.error }) : gettext("Not sent.");
      actions.append(button(gettext("Retry"), { "data-action": "retry", class: "button-small" }),
        button(gettext("Discard"), { "data-action": "discard", class: "button-small button-secondary" }));
    } else if (p.status === "queued") {
      state.textContent = gettext("Waiting for the connection…");
    } else if (p.status === "sent") {
      state.textContent = gettext("Sent");
    } else {
      state.textContent = gettext("Sending…");
    }
  }

  function addPending(clientId, kind, body, status = "queued", error = "") {
    const li = el("li", { class: "room-message room-pending-item", "data-client-id": clientId },
      el("div", { class: "room-message-body user-content room-pending-body", dir: "auto", text: body }),
      el("p", { class: "room-pending-line" },
        el("span", { class: "room-pending-state" }), " ", el("span", { class: "room-pending-actions" })));
    pending.set(clientId, { kind, body, status, error, li, timer: null });
    (kind === "ask" ? pendingQuestions : pendingList).append(li);
    drawPending(clientId);
    store();
    return pending.get(clientId);
  }

  function transmit(clientId) {
    const p = pending.get(clientId);
    if (!p) return;
    window.clearTimeout(p.timer);
    if (!feed.joined) {
      p.status = "queued";
      drawPending(clientId);
      return;
    }
    feed.send({ type: p.kind, client_id: clientId, body: p.body });
    p.status = "sending";
    p.timer = window.setTimeout(() => {
      if (!pending.has(clientId) || pending.get(clientId).status !== "sending") return;
      fail(clientId, gettext("no answer from the server"));
    }, SEND_TIMEOUT);
    drawPending(clientId);
  }

  function fail(clientId, reason) {
    const p = pending.get(clientId);
    if (!p) return;
    window.clearTimeout(p.timer);
    p.status = "failed";
    p.error = reason;
    drawPending(clientId);
    store();
  }

  function settle(clientId) {
    const p = pending.get(clientId);
    if (!p) return;
    window.clearTimeout(p.timer);
    const hadFocus = p.li.contains(document.activeElement);
    p.li.remove();
    pending.delete(clientId);
    store();
    if (hadFocus) (p.kind === "ask" ? askForm : composer).querySelector("textarea").focus();
  }

  function acked(event) {
    const clientId = event.client_id;
    const p = pending.get(clientId);
    if (!p) return;
    if (event.held) {
      say(gettext("Thank you. Your question will appear once a moderator approves it."));
      settle(clientId);
      return;
    }
    const id = int(event.id);
    const shown = p.kind === "ask" ? questions.has(id) : messages.has(id);
    if (shown) {
      settle(clientId);
      return;
    }
    // Stored (nothing left to resend after a reload); the event that shows it to the room is on
    // its way, or the feed heals the gap.
    window.clearTimeout(p.timer);
    p.status = "sent";
    p.sentId = id;
    drawPending(clientId);
    store();
  }

  function flush() {
    for (const [clientId, p] of pending) if (p.status === "queued" || p.status === "sending") transmit(clientId);
  }

  function submit(form, kind) {
    const area = form.querySelector("textarea");
    const body = area.value.trim();
    if (!body) {
      formNote(form, errorText("empty"));
      area.focus();
      return;
    }
    formNote(form, "");
    const clientId = newClientId();
    addPending(clientId, kind, body);
    area.value = "";
    transmit(clientId);
    if (kind === "send") keepAtBottom(true);
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(composer, "send");
  });
  askForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(askForm, "ask");
  });
  composer.querySelector("textarea").addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter starts a new line (not while an input method is composing).
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  composer.querySelector("textarea").addEventListener("input", () => {
    const now = Date.now();
    if (now - lastTyping < TYPING_EVERY || !feed.joined) return;
    lastTyping = now;
    feed.send({ type: "typing" });
  });

  function onPendingClick(event) {
    const target = event.target.closest("button[data-action]");
    const li = event.target.closest("[data-client-id]");
    if (!target || !li) return;
    const clientId = li.dataset.clientId;
    if (target.dataset.action === "retry") {
      const p = pending.get(clientId);
      if (!p) return;
      p.error = "";
      p.status = "queued";
      store();
      transmit(clientId);
      // The button is gone: keep the keyboard where it was, on this message's state.
      const state = li.querySelector(".room-pending-state");
      state.setAttribute("tabindex", "-1");
      state.focus({ preventScroll: true });
    } else if (target.dataset.action === "discard") {
      settle(clientId);
    }
  }
  pendingList.addEventListener("click", onPendingClick);
  pendingQuestions.addEventListener("click", onPendingClick);

  // ---- Typing and presence ----
  function drawTyping() {
    const names = [...typists.values()].map((t) => t.name);
    typingLine.textContent = names.length === 0 ? ""
      : names.length === 1 ? interpolate(gettext("%(name)s is typing…"), { name: names[0] })
        : names.length === 2 ? interpolate(gettext("%(first)s and %(second)s are typing…"), { first: names[0], second: names[1] })
          : gettext("Several people are typing…");
  }

  function typing(event) {
    const who = event.user || event.author || event;
    const id = int(who.id ?? who.user_id);
    if (id === null || id === you.id) return;
    const known = typists.get(id);
    if (known) window.clearTimeout(known.timer);
    typists.set(id, { name: who.name || gettext("Someone"), timer: window.setTimeout(() => { typists.delete(id); drawTyping(); }, TYPING_SHOWN) });
    drawTyping();
  }

  function drawPresence(value) {
    if (value === null || value === undefined || value === false) {
      presence.hidden = true;
      return;
    }
    const people = Array.isArray(value) ? value : Array.isArray(value.people) ? value.people : null;
    const count = int(value.count) ?? (people ? people.length : int(value));
    if (count === null) return;
    presence.hidden = false;
    const line = el("span", { class: "room-presence-count",
      text: interpolate(ngettext("%(count)s person here", "%(count)s people here", count), { count }) });
    if (!people || people.length === 0) {
      presence.replaceChildren(line);
      return;
    }
    const details = el("details", {}, el("summary", {}, line));
    const list = el("ul", { class: "room-presence-list" });
    for (const person of people) {
      const item = el("li", { dir: "auto", text: person.name || gettext("Someone") });
      if (person.observer) item.append(" ", el("span", { class: "badge badge-observer", text: gettext("Observer") }));
      list.append(item);
    }
    details.append(list);
    presence.replaceChildren(details);
  }

  // ---- Moderation ----
  function inlineForm(host, fields, submitText, onSubmit) {
    host.querySelector(".room-inline-form")?.remove();
    const form = el("form", { class: "room-inline-form" });
    for (const field of fields) form.append(field);
    const cancel = button(gettext("Cancel"), { class: "button-small button-secondary" });
    form.append(el("button", { type: "submit", class: "button-small", text: submitText }), " ", cancel);
    cancel.addEventListener("click", () => {
      form.remove();
      host.querySelector("[data-action]")?.focus();
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (onSubmit(form) !== false) {
        form.remove();
        host.querySelector("[data-action]")?.focus();
      }
    });
    host.append(form);
    form.querySelector("input, select, textarea")?.focus();
    return form;
  }

  let fieldCount = 0;
  function field(labelText, input) {
    fieldCount += 1;
    input.id = `room-field-${roomId}-${fieldCount}`;
    return el("p", { class: "room-field" }, el("label", { for: input.id, text: labelText }), " ", input);
  }

  function act(frame) {
    if (!feed.send(frame)) say(gettext("You are offline: try again when the connection is back."));
  }

  function buildModPanel() {
    modPanel.replaceChildren(el("summary", { text: gettext("Moderate the room") }));
    const slowSeconds = el("select", { name: "seconds" });
    for (const seconds of [0, 10, 30, 60, 120, 300]) {
      slowSeconds.append(el("option", { value: seconds, text: seconds === 0 ? gettext("Off")
        : interpolate(ngettext("%(seconds)s second", "%(seconds)s seconds", seconds), { seconds }) }));
    }
    const slowReason = el("input", { type: "text", name: "reason", maxlength: "200", dir: "auto" });
    const slowForm = el("form", { class: "room-mod-form", "data-mod": "slow_mode" },
      el("h3", { text: gettext("Slow mode") }),
      field(gettext("Interval per person"), slowSeconds), field(gettext("Reason (shown to everyone)"), slowReason),
      el("button", { type: "submit", class: "button-small", text: gettext("Set slow mode") }));
    slowForm.addEventListener("submit", (event) => {
      event.preventDefault();
      act({ type: "slow_mode", seconds: Number(slowSeconds.value), reason: slowReason.value.trim() });
    });
    const readOnly = el("input", { type: "checkbox", name: "read_only" });
    const readReason = el("input", { type: "text", name: "reason", maxlength: "200", dir: "auto" });
    const readForm = el("form", { class: "room-mod-form", "data-mod": "read_only" },
      el("h3", { text: gettext("Read-only room") }),
      el("p", { class: "room-field" }, el("label", {}, readOnly, " ", gettext("Only moderators may write"))),
      field(gettext("Reason"), readReason),
      el("button", { type: "submit", class: "button-small", text: gettext("Save") }));
    readForm.addEventListener("submit", (event) => {
      event.preventDefault();
      act({ type: "read_only", read_only: readOnly.checked, reason: readReason.value.trim() });
    });
    const closeButton = button(gettext("Close the session"), { class: "button-small button-danger" });
    closeButton.addEventListener("click", () => {
      if (window.confirm(gettext("Close the session for everyone? Nobody can write after this."))) act({ type: "close" });
    });
    modPanel.append(slowForm, readForm, el("div", { class: "room-mod-form" }, closeButton));
    modPanel.syncForms = () => {
      slowSeconds.value = String(room.slow ? room.slow.seconds : 0);
      if (slowSeconds.value === "" && room.slow) {
        slowSeconds.append(el("option", { value: room.slow.seconds, text: interpolate(ngettext("%(seconds)s second", "%(seconds)s seconds", room.slow.seconds), { seconds: room.slow.seconds }) }));
        slowSeconds.value = String(room.slow.seconds);
      }
      readOnly.checked = room.read_only;
      closeButton.hidden = room.state !== "open";
    };
    modPanel.syncForms();
  }

  function onMessageAction(event) {
    const target = event.target.closest("button[data-action]");
    const li = event.target.closest("[data-message-id]");
    if (!target || !li) return;
    const id = int(li.dataset.messageId);
    if (target.dataset.action === "delete") {
      if (window.confirm(gettext("Delete this message?"))) act({ type: "delete", id });
    } else if (target.dataset.action === "mute") {
      const minutes = el("input", { type: "number", name: "minutes", min: "1", max: "10080", value: "10", required: true, inputmode: "numeric" });
      const reason = el("input", { type: "text", name: "reason", maxlength: "200", dir: "auto" });
      const name = li.querySelector(".room-author")?.textContent || "";
      inlineForm(li, [el("p", { class: "room-inline-title", text: interpolate(gettext("Mute %(name)s in this room"), { name }) }),
        field(gettext("Minutes"), minutes), field(gettext("Reason"), reason)], gettext("Mute"), () => {
        const value = int(minutes.value);
        if (value === null || value < 1) {
          minutes.focus();
          return false;
        }
        act({ type: "mute", user_id: int(li.dataset.authorId), minutes: value, reason: reason.value.trim() });
        return true;
      });
    }
  }
  messageList.addEventListener("click", onMessageAction);

  function onQuestionAction(event) {
    const target = event.target.closest("button[data-action]");
    const li = event.target.closest("[data-question-id]");
    if (!target || !li) return;
    const id = int(li.dataset.questionId);
    const action = target.dataset.action;
    const entry = questions.get(id);
    if (action === "vote") {
      if (!entry) return;
      const voting = !entry.data.voted;
      if (!feed.send({ type: voting ? "vote" : "unvote", question_id: id })) {
        say(gettext("You are offline: try again when the connection is back."));
        return;
      }
      // Shown at once; the room's question_updated brings the true count.
      entry.data.voted = voting;
      drawQuestion(entry);
    } else if (action === "merge") {
      const others = [...questions.values()].filter((e) => e.data.id !== id && e.data.state !== "answered");
      if (others.length === 0) {
        say(gettext("There is no other open question to merge into."));
        return;
      }
      const select = el("select", { name: "into" });
      for (const other of others) {
        const text = (other.li.querySelector(".room-question-body")?.textContent || "").trim();
        select.append(el("option", { value: other.data.id, text: text.length > 80 ? `${text.slice(0, 79)}…` : text }));
      }
      inlineForm(li.querySelector(".room-question-main") || li, [field(gettext("Same question as"), select)], gettext("Merge"), () => {
        act({ type: "merge", question_id: id, into_id: int(select.value) });
      });
    } else if (["answer", "pin", "unpin", "hide", "approve"].includes(action)) {
      act({ type: action, question_id: id });
    }
  }
  questionList.addEventListener("click", onQuestionAction);
  heldList.addEventListener("click", onQuestionAction);

  function setSort(order) {
    questionOrder = order;
    byVotes.setAttribute("aria-pressed", String(order === "votes"));
    byTime.setAttribute("aria-pressed", String(order === "time"));
    sortQuestions();
  }
  byVotes.addEventListener("click", () => setSort("votes"));
  byTime.addEventListener("click", () => setSort("time"));

  // ---- What the page already shows ----
  for (const li of messageList.querySelectorAll("[data-message-id]")) {
    const id = int(li.dataset.messageId);
    if (id === null) continue;
    li.classList.add("room-message");
    messages.set(id, li);
    messageActions(li);
  }
  for (const li of questionList.querySelectorAll("[data-question-id]")) {
    const data = questionData(li);
    if (data.id === null) continue;
    li.classList.add("room-question");
    questions.set(data.id, { data, li });
  }
  for (const entry of questions.values()) drawQuestion(entry);
  sortQuestions();
  messageList.scrollTop = messageList.scrollHeight;

  // ---- Events ----
  function applyRoom(event) {
    if ("state" in event && event.state) room.state = event.state;
    if ("read_only" in event) room.read_only = Boolean(event.read_only);
    drawBanners();
    updateForms();
    modPanel.syncForms?.();
  }

  function onEvent(event) {
    switch (event.type) {
      case "message":
        addMessage(event);
        break;
      case "message_updated":
        updateMessage(event);
        break;
      case "message_removed":
        removeMessage(event);
        break;
      case "question":
      case "question_updated":
        upsertQuestion(event);
        break;
      case "question_removed":
        dropQuestion(int(event.id));
        break;
      case "slow_mode":
        room.slow = { seconds: Number(event.seconds) || 0, reason: event.reason || "", set_by: event.set_by || null };
        applyRoom({});
        break;
      case "room_state":
        applyRoom(event);
        break;
      default:
        break;
    }
  }

  function hello(event) {
    if (event.you && typeof event.you === "object") {
      const firstId = you.id;
      Object.assign(you, event.you);
      you.id = int(you.id);
      if (firstId === null && you.id !== null) restore(); // the page did not say who we are
    }
    if (event.slow_mode !== undefined) {
      const slow = event.slow_mode;
      room.slow = slow && typeof slow === "object"
        ? { seconds: Number(slow.seconds) || 0, reason: slow.reason || "", set_by: slow.set_by || null }
        : { seconds: Number(slow) || 0, reason: "", set_by: null };
    }
    if (you.moderate && !modPanel.isConnected) {
      buildModPanel();
      modPanel.hidden = false;
      root.append(modPanel);
    }
    if (you.moderate) root.classList.add("room-moderator");
    for (const li of messages.values()) messageActions(li);
    applyRoom(event);
    if (event.presence !== undefined) drawPresence(event.presence);
    setConnection("live");
    if (hadConnection) say(gettext("Connection is back."));
    hadConnection = true;
    flush();
  }

  function onOther(event) {
    switch (event.type) {
      case "hello":
        hello(event);
        break;
      case "ack":
        acked(event);
        break;
      case "error": {
        const text = errorText(event.code, event.message, event.retry_after);
        if (event.client_id && pending.has(event.client_id)) {
          fail(event.client_id, text);
          say(text);
        } else if (event.code === "already_voted") {
          const entry = questions.get(int(event.question_id));
          if (entry) { entry.data.voted = true; drawQuestion(entry); }
        } else if (event.code === "signed_out" || event.code === "forbidden") {
          say(text, { sticky: true });
        } else {
          say(text);
        }
        break;
      }
      case "rate_limited":
        say(errorText("rate_limited", "", event.retry_after));
        break;
      case "presence":
        drawPresence(event.presence !== undefined ? event.presence : event);
        break;
      case "typing":
        typing(event);
        break;
      case "question_held":
        addHeld(event);
        break;
      default:
        break;
    }
  }

  function onResync(history) {
    // Too far behind for a replay: take the room as the server has it now.
    for (const message of history.messages || []) addMessage({ ...message, type: "message" });
    const shownQuestions = new Set();
    for (const question of history.questions || []) {
      shownQuestions.add(int(question.id));
      upsertQuestion(question);
    }
    if (Array.isArray(history.questions)) {
      for (const id of [...questions.keys()]) if (!shownQuestions.has(id)) dropQuestion(id);
    }
    if (Array.isArray(history.removed)) for (const id of history.removed) removeMessage({ id, by: "moderator" });
    if (history.state || "read_only" in history) applyRoom(history);
  }

  restore();
  drawBanners();
  setConnection("connecting");
  const feed = createRoomFeed({
    url: root.dataset.socketUrl,
    historyUrl: root.dataset.historyUrl || "history.json",
    lastSeq: int(root.dataset.seq),
    onEvent,
    onOther,
    onResync,
    onState: (state, info = {}) => {
      if (state === "connected") return; // "live" once the server said hello
      if (state === "closed" && info.final) setConnection("closed", info);
      else if (state === "closed" || (state === "connecting" && hadConnection)) {
        setConnection(info.offline || navigator.onLine === false ? "offline" : "reconnecting");
      } else if (state === "connecting" && connection !== "offline") setConnection(hadConnection ? "reconnecting" : "connecting");
      if (state === "closed") {
        // Whatever was on its way is queued again: it is resent (same client_id) after the next hello.
        for (const [clientId, p] of pending) {
          if (p.status === "sending") {
            window.clearTimeout(p.timer);
            p.status = "queued";
            drawPending(clientId);
          }
        }
      }
    },
  });
  window.addEventListener("offline", () => setConnection("offline"));
  root.liveRoom = { feed, pending, questions, messages };
}

const root = document.querySelector("[data-live-room]");
if (root && root.dataset.socketUrl && "WebSocket" in window) {
  loadCatalogue(root.dataset.catalogUrl || "/jsi18n/").then(() => start(root));
}
