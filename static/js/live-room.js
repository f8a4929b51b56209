// A live session room: chat, questions, presence, typing and the room's moderation, live.
// Protocol: docs/live-protocol.md ("Live rooms"); ordering, gaps and resync: live-feed.js.
//
// The server renders the room (templates/live/room.html) readable and usable without JavaScript;
// this module takes over from it. What it reads from the page:
//   [data-live-room]: data-socket-url, data-history-url, data-seq (the room's number the page was
//     made at), data-room-id, data-user-id, data-state, data-read-only, data-mode, data-slow-mode,
//     data-off-the-record, optional data-catalog-url (the JavaScript catalogue, default the page's <body data-catalogue>);
//     #live-you: the protocol's `you` object (json_script), until the socket's `hello` says it.
//     `data-live` is set on the root to the connection state (connecting | live | reconnecting |
//     offline | closed); css/live.css then hides the parts marked data-no-script.
//   Inside it (each made here when missing): [data-room-status] the connection line,
//     [data-room-banners], [data-room-chat] with [data-room-messages] (items shaped as
//     live/_message.html) and [data-room-composer], [data-room-qa] with [data-room-questions]
//     (live/_question.html) and [data-room-ask], .room-admin (the moderators' box), [data-room-presence].
// HTML from the server (`html` fields) is already sanitised (forum.core.richtext); everything else
// is inserted as text.
//
// Sending: each message and question gets a client_id; it shows at once as "sending", becomes
// sent on `ack`, waits (queued) while offline and is sent on reconnect, and is marked "not sent —
// retry" after an `error` or when no `ack` comes in SEND_TIMEOUT. Unsent items are kept in
// localStorage (per room and person), so they survive a reload; a repeated client_id is harmless
// (the server answers with the stored message and creates nothing).
import { createRoomFeed } from "./live-feed.js";
import { gettext, interpolate, isolate, loadCatalogue, ngettext } from "./i18n.js";

const SEND_TIMEOUT = 10000;
const TYPING_EVERY = 3000;
const TYPING_SHOWN = 5000;
const NARROW = "(max-width: 48rem)";
// A long, busy session must not grow the page without bound on a small phone: past this many, the
// oldest messages leave the page (while the reader follows the end; the transcript keeps them all).
const MAX_SHOWN = 500;

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
      { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(when);
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

function readJson(id) {
  const node = document.getElementById(id);
  if (!node) return null;
  try {
    return JSON.parse(node.textContent);
  } catch {
    return null;
  }
}

function start(root) {
  const roomId = root.dataset.roomId || "";
  const you = { id: int(root.dataset.userId), send: false, ask: false, vote: false, moderate: false,
    muted_until: null, observer: false, ...(readJson("live-you") || {}) };
  you.id = int(you.id);
  const room = { state: root.dataset.state || "open", read_only: root.dataset.readOnly === "true",
    slow: { seconds: int(root.dataset.slowMode) || 0, reason: "", set_by: null } };
  const messages = new Map(); // id -> <li>
  const questions = new Map(); // id -> {data, li}
  const held = new Map(); // id -> <li> (moderators: questions waiting for approval)
  const pending = new Map(); // client_id -> {kind, body, status, error, li, timer, sentId}
  const typists = new Map(); // user id -> {name, timer}
  const present = new Map(); // user id -> person (presence; not in off-the-record rooms)
  // hello names the first people only: the rest are asked for in `people` pages when the list is opened.
  const roster = { offset: 0, more: 0 };
  const asked = new Map(); // client_id -> {onError} of a vote or moderation frame awaiting its answer
  let questionOrder = "votes";
  let connection = "connecting";
  let lastTyping = 0;
  let hadConnection = false;
  let dropped = false; // the connection was lost since the last hello (not a gap-healing re-join)
  let bannersKnown = false; // until hello, the server's own banners stay

  // ---- The page's parts (made here when the template has none) ----
  function part(selector, make, klass) {
    let node = root.querySelector(selector);
    if (!node) node = make();
    if (klass) node.classList.add(klass);
    return node;
  }

  const status = part("[data-room-status]", () => {
    const node = el("p", { "data-room-status": true });
    root.prepend(node);
    return node;
  }, "room-status");
  status.hidden = false;
  status.setAttribute("role", "status");
  const banners = part("[data-room-banners]", () => {
    const node = el("div");
    status.after(node);
    return node;
  }, "room-banners");
  banners.setAttribute("aria-live", "polite");
  const presence = part("[data-room-presence]", () => {
    const node = el("p", { "data-room-presence": true, hidden: true });
    status.after(node);
    return node;
  }, "room-presence");
  const notice = el("p", { class: "room-notice", role: "status", "aria-live": "polite", hidden: true });
  const announcer = el("div", { class: "visually-hidden", "aria-live": "polite", "data-room-announcer": true });
  banners.after(notice, announcer);
  const columns = part(".room-columns", () => {
    const node = el("div");
    announcer.after(node);
    return node;
  }, "room-columns");
  const chatPane = part("[data-room-chat]", () => {
    const node = el("section", { hidden: true });
    columns.prepend(node);
    return node;
  }, "room-chat");
  const qaPane = part("[data-room-qa]", () => {
    const node = el("section", { hidden: true });
    columns.append(node);
    return node;
  }, "room-qa");
  chatPane.dataset.roomPane = "chat";
  qaPane.dataset.roomPane = "qa";
  const messageList = part("[data-room-messages]", () => {
    const node = el("ol");
    chatPane.append(node);
    return node;
  }, "room-messages");
  // New messages are announced by the room's own summarising region, not read out one by one.
  messageList.removeAttribute("aria-live");
  messageList.setAttribute("aria-label", gettext("Chat messages"));
  messageList.tabIndex = 0; // it scrolls: keyboard users can scroll it too
  const pendingList = el("ol", { class: "room-messages room-pending", "aria-label": gettext("Your unsent messages") });
  messageList.after(pendingList);
  const typingLine = el("p", { class: "room-typing", "aria-hidden": "true" });
  pendingList.after(typingLine);
  const composer = part("[data-room-composer]", () => {
    const form = el("form");
    chatPane.append(form);
    return form;
  }, "room-form");
  fillForm(composer, `room-body-${roomId}`, gettext("Message"), gettext("Send"));
  const questionList = part("[data-room-questions]", () => {
    const node = el("ol");
    qaPane.append(node);
    return node;
  }, "room-questions");
  questionList.removeAttribute("aria-live");
  const askForm = part("[data-room-ask]", () => {
    const form = el("form");
    qaPane.append(form);
    return form;
  }, "room-form");
  fillForm(askForm, `room-question-${roomId}`, gettext("Your question"), gettext("Ask"));
  const pendingQuestions = el("ol", { class: "room-questions room-pending", "aria-label": gettext("Your unsent questions") });
  askForm.before(pendingQuestions);
  const sorter = el("div", { class: "room-sort", role: "group", "aria-label": gettext("Sort questions") });
  const byVotes = button(gettext("Most votes"), { "aria-pressed": "true", class: "button-small button-secondary" });
  const byTime = button(gettext("Newest"), { "aria-pressed": "false", class: "button-small button-secondary" });
  sorter.append(byVotes, byTime);
  questionList.before(sorter);
  const heldBox = el("section", { class: "room-held", hidden: true },
    el("h3", { text: gettext("Waiting for approval") }));
  const heldList = el("ol", { class: "room-questions" });
  heldBox.append(heldList);
  sorter.before(heldBox);
  const modPanel = el("div", { class: "room-moderation", hidden: true });

  function fillForm(form, id, labelText, submitText) {
    // The template may give the form (it also works without JavaScript); it behaves the same.
    form.noValidate = true;
    let area = form.querySelector("textarea");
    if (!area) {
      area = el("textarea", { id, name: "body", rows: "2" });
      form.append(el("label", { for: id, text: labelText }), area);
    }
    area.setAttribute("dir", "auto");
    if (!form.querySelector("[type=submit]")) form.append(el("button", { type: "submit", text: submitText }));
    if (!form.querySelector(".room-form-note")) {
      const noteId = `${area.id || id}-note`;
      form.append(el("p", { class: "room-form-note", hidden: true, id: noteId }));
      area.setAttribute("aria-describedby", noteId);
    }
  }

  // A room of one kind (chat only, questions only) shows one pane; `room_state` may change it.
  function showPanes(mode) {
    root.dataset.mode = mode || "both";
    chatPane.hidden = mode === "qa";
    qaPane.hidden = mode === "chat";
  }
  showPanes(root.dataset.mode);
  // "A moderator approves questions first" under the ask form, as the page has it.
  const heldNote = part("[data-held-note]", () => {
    const node = el("p", { class: "help muted", "data-held-note": true,
      text: gettext("A moderator approves questions before the room sees them.") });
    askForm.append(node);
    return node;
  });
  heldNote.hidden = root.dataset.questionsHeld !== "true";

  // ---- Tabs on a phone: chat and questions ----
  const tabs = el("div", { class: "room-tabs", role: "tablist", "aria-label": gettext("Room") });
  const chatTab = el("button", { type: "button", role: "tab", id: `room-tab-chat-${roomId}`, text: gettext("Chat") });
  const qaTab = el("button", { type: "button", role: "tab", id: `room-tab-qa-${roomId}` });
  const qaLabel = el("span", { text: gettext("Questions") });
  const qaCount = el("span", { class: "badge", hidden: true });
  qaTab.append(qaLabel, " ", qaCount);
  tabs.append(chatTab, qaTab);
  columns.before(tabs);
  chatPane.id = chatPane.id || `room-chat-${roomId}`;
  qaPane.id = qaPane.id || `room-qa-${roomId}`;
  const narrow = window.matchMedia(NARROW);
  let unseenInChat = 0;

  function chatTabText() {
    chatTab.textContent = unseenInChat ? interpolate(gettext("Chat (%(count)s new)"), { count: unseenInChat })
      : gettext("Chat");
  }

  function showTab(name, focus = false) {
    const chat = name === "chat";
    root.dataset.tab = name;
    chatTab.setAttribute("aria-selected", String(chat));
    qaTab.setAttribute("aria-selected", String(!chat));
    chatTab.tabIndex = chat ? 0 : -1;
    qaTab.tabIndex = chat ? -1 : 0;
    if (chat) unseenInChat = 0;
    chatTabText();
    if (focus) (chat ? chatTab : qaTab).focus();
  }

  function layout() {
    const tabbed = narrow.matches && !chatPane.hidden && !qaPane.hidden;
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
    let next = root.dataset.tab === "chat" ? "qa" : "chat"; // two tabs: either arrow goes to the other
    if (event.key === "Home") next = "chat";
    if (event.key === "End") next = "qa";
    showTab(next, true);
  });
  narrow.addEventListener("change", layout);
  showTab(window.location.hash === "#questions" ? "qa" : "chat");
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

  // ---- Messages (shaped as live/_message.html) ----
  function authorLine(author, when, klass) {
    const meta = el("p", { class: klass });
    // The avatar's initials and colour come from the server (accounts' one initials rule).
    meta.append(el("span", { class: `avatar avatar-small ${(author && author.avatar) || "avatar-hue-none"}`,
      "aria-hidden": "true", text: (author && author.initials) || "?" }), " ");
    if (author && author.name) {
      meta.append(el("span", { class: "room-author", dir: "auto", text: author.name }));
      if (author.organisation) meta.append(" ", el("span", { class: "badge badge-org", dir: "auto", text: author.organisation }));
      if (author.observer) meta.append(" ", el("span", { class: "badge badge-observer", text: gettext("Observer") }));
    } else {
      meta.append(el("span", { class: "room-author", text: gettext("Former member") }));
    }
    if (when) meta.append(" ", el("time", { datetime: when, text: formatTime(when) }));
    return meta;
  }

  // Flagging (forum.moderation): a link to the flag form (the same page the room offers without
  // JavaScript), which comes back to the room once the flag is sent.
  function flagLink(kind, id) {
    const url = (root.dataset.flagUrl || "").replace("/kind/0/", `/${kind}/${int(id)}/`);
    return url ? el("a", { href: url, class: "room-flag", "data-action": "flag", text: gettext("Flag") }) : null;
  }

  function mayFlag(li) {
    return Boolean(you.flag && li.dataset.authorId && int(li.dataset.authorId) !== you.id);
  }

  function messageActions(li) {
    let actions = li.querySelector(".room-message-actions");
    if (li.classList.contains("room-removed") || li.hasAttribute("data-hidden")) {
      actions?.remove();
      return;
    }
    const own = you.id !== null && int(li.dataset.authorId) === you.id;
    const canEdit = own && room.state === "open" && !mutedNow() && editableNow(li);
    const canDelete = (own && room.state === "open") || you.moderate;
    const canMute = you.moderate && !own && li.dataset.authorId && room.state === "open";
    const canFlag = mayFlag(li);
    if (!canEdit && !canDelete && !canMute && !canFlag) {
      actions?.remove();
      return;
    }
    if (!actions) {
      actions = el("div", { class: "room-message-actions" });
      li.append(actions);
    }
    actions.replaceChildren();
    if (canEdit) actions.append(button(gettext("Edit"), { "data-action": "edit", class: "link-button" }));
    if (canDelete) actions.append(button(gettext("Delete"), { "data-action": "delete", class: "link-button" }));
    if (canMute) actions.append(button(gettext("Mute…"), { "data-action": "mute", class: "link-button" }));
    if (canFlag) actions.append(flagLink("message", li.dataset.messageId) || "");
  }

  // The server refuses an edit after FORUM_LIVE_EDIT_MINUTES; the control goes a little before.
  const editMinutes = Number(root.dataset.editMinutes) || 0;
  function editableNow(li) {
    const sent = Date.parse(li.querySelector("time")?.getAttribute("datetime") || "");
    return editMinutes > 0 && Number.isFinite(sent) && Date.now() - sent < editMinutes * 60000 - 5000;
  }

  function editUrl(id) {
    return (root.dataset.editUrl || "").replace(/\/0\/edit\/$/, `/${id}/edit/`);
  }

  async function startEdit(li, id) {
    // The text as written (Markdown), not as shown: asked of the server, which also says if it is too late.
    let source = null;
    try {
      const response = await fetch(editUrl(id), { headers: { Accept: "application/json" }, credentials: "same-origin" });
      const data = await response.json();
      if (!response.ok) {
        say(data.message || gettext("You cannot do this."));
        messageActions(li);
        return;
      }
      source = String(data.source ?? "");
    } catch {
      say(gettext("You are offline: try again when the connection is back."));
      return;
    }
    if (!li.isConnected || li.classList.contains("room-removed")) return;
    const area = el("textarea", { name: "body", rows: "3", dir: "auto", maxlength: root.dataset.messageMax || "2000" });
    area.value = source;
    const form = inlineForm(li, [field(gettext("Edit your message"), area)], gettext("Save"), () => {
      const body = area.value.trim();
      if (!body) {
        formNote(form, gettext("Write something first."));
        area.focus();
        return false;
      }
      if (body !== source.trim()) act({ type: "edit", id, body });
      return true;
    });
    form.classList.add("room-edit-form");
    area.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    area.setSelectionRange(area.value.length, area.value.length);
  }

  function messageElement(event) {
    const li = el("li", { class: "room-message", id: `room-message-${event.id}`, "data-message-id": event.id,
      "data-seq": event.seq, "data-author-id": event.author ? event.author.id : null });
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
    while (after && (int(after.dataset.seq) === null || int(after.dataset.seq) > seq)) after = after.previousElementSibling;
    if (after) after.after(li);
    else list.prepend(li);
  }

  function nearBottom() {
    return messageList.scrollHeight - messageList.scrollTop - messageList.clientHeight < 80;
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
    chatPane.querySelector("[data-empty-note]")?.setAttribute("hidden", "");
    placeBySeq(messageList, li, int(event.seq) ?? Infinity);
    // Our own message coming back: the pending copy goes.
    if (event.client_id && pending.has(event.client_id)) settle(event.client_id);
    for (const [clientId, p] of pending) if (p.sentId === id && p.kind === "send") settle(clientId);
    if (wasNear && messages.size > MAX_SHOWN) {
      for (const old of [...messageList.children].slice(0, messages.size - MAX_SHOWN)) {
        if (old.contains(document.activeElement)) continue;
        messages.delete(int(old.dataset.messageId));
        old.remove();
      }
    }
    keepAtBottom(wasNear);
    if (!event.author || event.author.id !== you.id) {
      announce(interpolate(gettext("%(name)s: %(text)s"), {
        name: event.author && event.author.name ? event.author.name : gettext("Former member"), text: textOf(event.html) }));
      if (root.classList.contains("room-tabbed") && root.dataset.tab !== "chat") {
        unseenInChat += 1;
        chatTabText();
      }
    }
  }

  function updateMessage(event) {
    const li = messages.get(int(event.id));
    if (!li || li.classList.contains("room-removed")) return;
    li.querySelector(".room-message-body")?.replaceChildren(sanitisedHtml(event.html));
    const meta = li.querySelector(".room-message-meta");
    if (meta && !meta.querySelector(".room-edited")) meta.append(" ", el("span", { class: "room-edited", text: gettext("(edited)") }));
  }

  // A message the moderators restored comes as a new `message` event with an id already seen: the
  // placeholder (removed here, or hidden on the page as it was made) makes way for it.
  function showAgain(event) {
    const old = messages.get(int(event.id));
    if (old && (old.classList.contains("room-removed") || old.hasAttribute("data-hidden"))) {
      messages.delete(int(event.id));
      old.remove();
    }
  }

  function removeMessage(event) {
    const li = messages.get(int(event.id));
    if (!li) return;
    const hadFocus = li.contains(document.activeElement);
    li.classList.add("room-removed");
    const text = event.by === "author" ? gettext("The author deleted this message.")
      : event.by === "moderator" ? gettext("A moderator removed this message.") : gettext("This message was removed.");
    const note = el("p", { class: "room-message-body room-placeholder", text });
    const body = li.querySelector(".room-message-body");
    if (body) body.replaceWith(note);
    else li.append(note);
    li.querySelector(".room-edited")?.remove();
    li.querySelector(".room-message-actions")?.remove();
    li.querySelector(".room-inline-form")?.remove();
    if (hadFocus) messageList.focus({ preventScroll: true });
  }

  function dropMessage(id) {
    const li = messages.get(id);
    if (!li) return;
    const hadFocus = li.contains(document.activeElement);
    messages.delete(id);
    li.remove();
    if (hadFocus) messageList.focus({ preventScroll: true });
    if (!messages.size) chatPane.querySelector("[data-empty-note]")?.removeAttribute("hidden");
  }

  // ---- Questions (shaped as live/_question.html) ----
  function questionData(li) {
    const pressed = li.querySelector("[data-no-script] [aria-pressed]");
    return {
      id: int(li.dataset.questionId), seq: int(li.dataset.seq), votes: int(li.dataset.votes) || 0,
      state: li.dataset.state || "open", pinned: li.dataset.pinned === "true",
      voted: li.dataset.voted === "true" || (pressed ? pressed.getAttribute("aria-pressed") === "true" : false),
    };
  }

  function questionElement(q) {
    const li = el("li", { class: "room-question", id: `room-question-${q.id}`, "data-question-id": q.id,
      "data-author-id": q.author ? q.author.id : null });
    const body = el("div", { class: "room-question-body user-content", dir: "auto" });
    body.append(sanitisedHtml(q.html));
    li.append(el("div", { class: "room-question-main" }, authorLine(q.author, q.asked_at, "room-question-meta"),
      el("p", { class: "room-question-badges" }), body));
    return li;
  }

  function drawQuestion(entry) {
    const { data: q, li } = entry;
    li.dataset.seq = q.seq ?? "";
    li.dataset.votes = String(q.votes);
    li.dataset.state = q.state;
    li.dataset.pinned = String(Boolean(q.pinned));
    li.dataset.voted = String(Boolean(q.voted));
    li.classList.add("room-question");
    li.classList.toggle("room-question-pinned", Boolean(q.pinned));
    li.classList.toggle("room-question-answered", q.state === "answered");
    // The page's vote form (data-no-script) posts without JavaScript; here a button votes live.
    let votes = li.querySelector(".room-vote-live");
    if (!votes) {
      votes = el("div", { class: "room-vote-live" },
        el("span", { class: "room-vote-count" }),
        el("button", { type: "button", class: "room-vote button-secondary button-small", "data-action": "vote" }));
      li.prepend(votes);
    }
    const count = votes.querySelector(".room-vote-count");
    count.textContent = String(q.votes);
    count.setAttribute("aria-label", interpolate(ngettext("%(count)s vote", "%(count)s votes", q.votes), { count: q.votes }));
    const vote = votes.querySelector(".room-vote");
    vote.textContent = q.voted ? gettext("Voted") : gettext("Upvote");
    vote.setAttribute("aria-pressed", String(Boolean(q.voted)));
    vote.title = q.voted ? gettext("Press to take your vote back") : "";
    vote.hidden = !you.vote || q.state !== "open" || room.state !== "open";
    const main = li.querySelector(".room-question-main") || li;
    let badges = main.querySelector(".room-question-badges");
    if (!badges) {
      badges = el("p", { class: "room-question-badges" });
      main.querySelector(".room-question-body")?.before(badges);
    }
    badges.replaceChildren();
    if (q.pinned) badges.append(el("span", { class: "badge badge-pinned", text: gettext("Pinned") }));
    if (q.state === "answered") badges.append(el("span", { class: "badge badge-answered", text: gettext("Answered") }));
    let flag = main.querySelector(".room-question-flag");
    if (mayFlag(li) && q.state !== "held" && !flag) {
      flag = el("p", { class: "room-question-flag room-item-actions" }, flagLink("question", q.id));
      main.append(flag);
    } else if (!(mayFlag(li) && q.state !== "held")) flag?.remove();
    let actions = main.querySelector(".room-question-actions");
    if (!you.moderate || room.state === "closed") {
      actions?.remove();
      return;
    }
    if (!actions) {
      actions = el("div", { class: "room-question-actions" });
      main.append(actions);
    }
    const focused = actions.contains(document.activeElement) ? document.activeElement.dataset.action : null;
    actions.replaceChildren();
    actions.append(q.state === "answered"
      ? button(gettext("Mark not answered"), { "data-action": "unanswer", class: "link-button" })
      : button(gettext("Mark answered"), { "data-action": "answer", class: "link-button" }));
    actions.append(q.pinned ? button(gettext("Unpin"), { "data-action": "unpin", class: "link-button" })
      : button(gettext("Pin"), { "data-action": "pin", class: "link-button" }));
    actions.append(button(gettext("Hide"), { "data-action": "hide", class: "link-button" }));
    actions.append(button(gettext("Merge into…"), { "data-action": "merge", class: "link-button" }));
    if (focused) {
      // The button pressed changed its name (pin → unpin): keep the keyboard on the same spot.
      const again = actions.querySelector(`[data-action="${focused}"]`) || actions.firstElementChild;
      again.focus({ preventScroll: true });
    }
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
      const at = questionList.children[index];
      if (at !== entry.li) questionList.insertBefore(entry.li, at || null);
    });
    if (active && active !== document.activeElement && questionList.contains(active)) active.focus({ preventScroll: true });
    const open = entries.filter((e) => e.data.state === "open").length;
    qaCount.textContent = String(open);
    qaCount.hidden = open === 0;
    qaPane.querySelector("[data-empty-note]")?.toggleAttribute("hidden", entries.length > 0);
  }

  function upsertQuestion(event) {
    const id = int(event.id);
    if (id === null) return;
    if (event.state === "held") {
      addHeld(event);
      return;
    }
    if (held.has(id)) {
      held.get(id).remove();
      held.delete(id);
      heldBox.hidden = held.size === 0;
    }
    if (event.merged_into || event.state === "hidden") {
      dropQuestion(id);
      return;
    }
    let entry = questions.get(id);
    if (!entry) {
      if (!event.html) return; // an update of a question this page never showed
      const data = { voted: false, ...event };
      entry = { data, li: questionElement(data) };
      questions.set(id, entry);
      if (event.author && event.author.id !== you.id && event.type === "question") {
        announce(interpolate(gettext("New question from %(name)s: %(text)s"), {
          name: event.author.name || gettext("Former member"), text: textOf(event.html) }));
      }
    } else {
      for (const key of ["votes", "state", "pinned", "merged_into", "seq"]) {
        if (event[key] !== undefined && event[key] !== null) entry.data[key] = event[key];
      }
      if (event.html) entry.li.querySelector(".room-question-body")?.replaceChildren(sanitisedHtml(event.html));
    }
    if (event.voted !== undefined) entry.data.voted = Boolean(event.voted);
    drawQuestion(entry);
    sortQuestions();
  }

  function dropQuestion(id) {
    if (held.has(id)) {
      held.get(id).remove();
      held.delete(id);
      heldBox.hidden = held.size === 0;
    }
    const entry = questions.get(id);
    if (!entry) return;
    const hadFocus = entry.li.contains(document.activeElement);
    entry.li.remove();
    questions.delete(id);
    sortQuestions();
    if (hadFocus) (questionList.querySelector("button:not([hidden])") || askForm.querySelector("textarea")).focus({ preventScroll: true });
  }

  function addHeld(event) {
    if (!you.moderate) return;
    const id = int(event.id);
    if (id === null || questions.has(id) || held.has(id)) return;
    const li = questionElement({ ...event, votes: 0 });
    li.dataset.state = "held";
    li.classList.add("room-question-held");
    li.querySelector(".room-question-main").append(el("div", { class: "room-question-actions" },
      button(gettext("Approve"), { "data-action": "approve", class: "button-small" }),
      button(gettext("Hide"), { "data-action": "hide", class: "button-small button-secondary" })));
    held.set(id, li);
    heldList.append(li);
    heldBox.hidden = false;
  }

  // ---- Room state: banners and what the forms allow ----
  function drawBanners() {
    if (!bannersKnown) return;
    const items = [];
    if (room.state === "closed") items.push(["state", gettext("This session has ended. The room is read-only."), null]);
    else if (room.state === "scheduled") items.push(["state", gettext("This session has not started yet."), null]);
    if (room.read_only && room.state === "open") items.push(["read-only", gettext("The room is read-only for now: only moderators can write."), null]);
    if (room.slow && room.slow.seconds > 0 && room.state === "open") {
      const seconds = room.slow.seconds;
      let text = interpolate(ngettext("Slow mode: one message every %(seconds)s second per person.",
        "Slow mode: one message every %(seconds)s seconds per person.", seconds), { seconds });
      if (room.slow.set_by) text += " " + interpolate(gettext("Set by %(name)s."), { name: isolate(room.slow.set_by) });
      items.push(["slow-mode", text, room.slow.reason || null]);
    }
    if (mutedNow()) items.push(["muted", interpolate(gettext("You are muted in this room until %(time)s."), { time: formatTime(you.muted_until) }), null]);
    banners.replaceChildren(...items.map(([kind, text, reason]) => {
      const banner = el("p", { class: `notice room-banner${kind === "muted" ? " notice-error" : ""}${kind === "slow-mode" ? " notice-slow" : ""}`,
        "data-banner": kind, text });
      if (reason) banner.append(" ", el("span", { class: "room-banner-reason", text: interpolate(gettext("Reason: %(reason)s"), { reason: isolate(reason) }) }));
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
    return Boolean(you.muted_until) && new Date(you.muted_until) > new Date();
  }

  function updateForms() {
    // Offline is fine: what is written is queued. Only what the server would refuse is disabled.
    const open = room.state === "open";
    const writable = open && (!room.read_only || you.moderate);
    let chatWhy = "";
    if (!open) chatWhy = room.state === "scheduled" ? gettext("This session has not started yet.") : gettext("This session is closed.");
    else if (!writable) chatWhy = gettext("The room is read-only for now.");
    else if (you.observer) chatWhy = gettext("Observers may ask questions and vote, but not chat.");
    else if (mutedNow()) chatWhy = interpolate(gettext("You are muted in this room until %(time)s."), { time: formatTime(you.muted_until) });
    else if (!you.send) chatWhy = gettext("You cannot write in this chat.");
    let askWhy = "";
    if (!writable) askWhy = chatWhy;
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
    for (const li of messages.values()) messageActions(li);
  }

  // ---- Pending sends (survive a reload) ----
  function storageKey() {
    return `madaniya.live.${roomId}.${you.id ?? "anon"}.pending`;
  }

  let keepPending = true; // false once signed out: what was not sent stays on this screen only
  function store() {
    if (!keepPending) return;
    try {
      const items = [...pending.entries()].filter(([, p]) => p.status !== "sent").map(([clientId, p]) => ({
        client_id: clientId, kind: p.kind, body: p.body, failed: p.status === "failed", error: p.error || "" }));
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
    const li = el("li", { class: `${kind === "ask" ? "room-question" : "room-message"} room-pending-item`, "data-client-id": clientId },
      el("div", { class: "room-message-body user-content room-pending-body", dir: "auto", text: body }),
      el("p", { class: "room-pending-line" },
        el("span", { class: "room-pending-state" }), " ", el("span", { class: "room-pending-actions" })));
    pending.set(clientId, { kind, body, status, error, li, timer: null, sentId: null });
    (kind === "ask" ? pendingQuestions : pendingList).append(li);
    drawPending(clientId);
    store();
    return pending.get(clientId);
  }

  function transmit(clientId) {
    const p = pending.get(clientId);
    if (!p) return;
    window.clearTimeout(p.timer);
    if (!feed.send({ type: p.kind, client_id: clientId, body: p.body })) {
      // Not connected (or not joined yet): it goes after the next hello.
      p.status = "queued";
      drawPending(clientId);
      return;
    }
    p.status = "sending";
    p.timer = window.setTimeout(() => {
      if (pending.get(clientId)?.status !== "sending") return;
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
    if (p.kind === "ask" ? questions.has(id) : messages.has(id)) {
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
    // Its event normally follows within a moment; the stored copy is safe either way.
    p.timer = window.setTimeout(() => settle(clientId), 30000);
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
    if (kind === "send") pendingList.scrollIntoView({ block: "nearest" });
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(composer, "send");
  });
  askForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(askForm, "ask");
  });
  const composerArea = composer.querySelector("textarea");
  composerArea.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter starts a new line (not while an input method is composing).
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  composerArea.addEventListener("input", () => {
    const now = Date.now();
    if (now - lastTyping < TYPING_EVERY || !feed.joined || !composerArea.value.trim()) return;
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
      (li.closest("[data-room-qa]") ? askForm : composer).querySelector("textarea").focus();
    }
  }
  pendingList.addEventListener("click", onPendingClick);
  pendingQuestions.addEventListener("click", onPendingClick);

  // ---- Typing and presence ----
  function drawTyping() {
    const names = [...typists.values()].map((t) => t.name);
    typingLine.textContent = names.length === 0 ? ""
      : names.length === 1 ? interpolate(gettext("%(name)s is typing…"), { name: isolate(names[0]) })
        : names.length === 2 ? interpolate(gettext("%(first)s and %(second)s are typing…"), { first: isolate(names[0]), second: isolate(names[1]) })
          : gettext("Several people are typing…");
  }

  function typing(event) {
    // {people: [{id, name}], count}; an off-the-record room says only how many (then nothing is shown).
    const people = Array.isArray(event.people) ? event.people : event.user ? [event.user] : [];
    for (const who of people) {
      const id = int(who.id);
      if (id === null || id === you.id) continue;
      const known = typists.get(id);
      if (known) window.clearTimeout(known.timer);
      typists.set(id, { name: who.name || gettext("Someone"),
        timer: window.setTimeout(() => { typists.delete(id); drawTyping(); }, TYPING_SHOWN) });
    }
    drawTyping();
  }

  function morePeople() {
    if (roster.more > 0 && presence.querySelector("details")?.open) {
      feed.send({ type: "people", offset: roster.offset });
      roster.more = 0; // until the page says how many follow it
    }
  }

  function drawPresence(event, { reset = false } = {}) {
    // hello: {count, people, more}; then {count, joined, left}; `people` pages: {count, offset,
    // people, more}. Off the record: {count} only.
    if (!event || typeof event !== "object") {
      presence.hidden = true;
      return;
    }
    if (reset) present.clear();
    if (reset || event.type === "people") {
      const named = Array.isArray(event.people) ? event.people.length : 0;
      roster.offset = (int(event.offset) ?? 0) + named;
      roster.more = int(event.more) ?? 0;
    }
    for (const person of Array.isArray(event.people) ? event.people : []) present.set(person.id, person);
    for (const person of Array.isArray(event.joined) ? event.joined : []) present.set(person.id, person);
    for (const person of Array.isArray(event.left) ? event.left : []) present.delete(person.id);
    const count = int(event.count) ?? present.size;
    presence.hidden = false;
    const line = el("span", { class: "room-presence-count",
      text: interpolate(ngettext("%(count)s person here", "%(count)s people here", count), { count }) });
    if (present.size === 0) {
      presence.replaceChildren(line);
      return;
    }
    const wasOpen = presence.querySelector("details")?.open;
    const details = el("details", { open: wasOpen || null }, el("summary", {}, line));
    const list = el("ul", { class: "room-presence-list" });
    const people = [...present.values()].sort((a, b) => String(a.name).localeCompare(String(b.name)));
    for (const person of people) {
      const item = el("li", {}, el("span", { dir: "auto", text: person.name || gettext("Someone") }));
      if (person.observer) item.append(" ", el("span", { class: "badge badge-observer", text: gettext("Observer") }));
      list.append(item);
    }
    details.append(list);
    details.addEventListener("toggle", morePeople);
    presence.replaceChildren(details);
    morePeople();
  }

  // ---- Moderation ----
  function inlineForm(host, fields, submitText, onSubmit) {
    host.querySelector(".room-inline-form")?.remove();
    const opener = document.activeElement;
    const form = el("form", { class: "room-inline-form" });
    form.noValidate = true; // checked here, with the room's own words
    for (const field of fields) form.append(field);
    form.append(el("p", { class: "room-form-note", role: "alert", hidden: true }));
    const cancel = button(gettext("Cancel"), { class: "button-small button-secondary" });
    form.append(el("button", { type: "submit", class: "button-small", text: submitText }), " ", cancel);
    const back = () => {
      form.remove();
      if (opener && opener.isConnected) opener.focus();
    };
    cancel.addEventListener("click", back);
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") back();
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (onSubmit(form) !== false) back();
    });
    host.append(form);
    form.querySelector("input, select, textarea")?.focus();
    return form;
  }

  let fieldCount = 0;
  function field(labelText, input) {
    fieldCount += 1;
    input.id = `room-field-${roomId}-${fieldCount}`;
    return el("p", { class: "room-field" }, el("label", { for: input.id, text: labelText }), input);
  }

  function act(frame, { onError = null } = {}) {
    // A client_id lets the server's `error` (or `ack`) say which frame it answers.
    const clientId = newClientId();
    if (!feed.send({ ...frame, client_id: clientId })) {
      say(gettext("You are offline: try again when the connection is back."));
      return false;
    }
    asked.set(clientId, { onError });
    window.setTimeout(() => asked.delete(clientId), 60000);
    return true;
  }

  function secondsText(seconds) {
    return interpolate(ngettext("%(seconds)s second", "%(seconds)s seconds", seconds), { seconds });
  }

  function buildModPanel() {
    const slowSeconds = el("select", { name: "seconds" });
    for (const seconds of [0, 10, 30, 60, 120, 300]) {
      slowSeconds.append(el("option", { value: seconds, text: seconds === 0 ? gettext("Off") : secondsText(seconds) }));
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
    const readOnly = el("input", { type: "checkbox", name: "read_only", id: `room-read-only-${roomId}` });
    const readReason = el("input", { type: "text", name: "reason", maxlength: "200", dir: "auto" });
    const readForm = el("form", { class: "room-mod-form", "data-mod": "read_only" },
      el("h3", { text: gettext("Read-only room") }),
      el("p", { class: "room-field room-field-check" }, readOnly, " ",
        el("label", { for: readOnly.id, text: gettext("Only moderators may write") })),
      field(gettext("Reason"), readReason),
      el("button", { type: "submit", class: "button-small", text: gettext("Save") }));
    readForm.addEventListener("submit", (event) => {
      event.preventDefault();
      act({ type: "read_only", read_only: readOnly.checked, reason: readReason.value.trim() });
    });
    modPanel.replaceChildren(slowForm, readForm);
    modPanel.syncForms = () => {
      const seconds = room.slow ? room.slow.seconds : 0;
      if (![...slowSeconds.options].some((o) => Number(o.value) === seconds)) {
        slowSeconds.append(el("option", { value: seconds, text: secondsText(seconds) }));
      }
      slowSeconds.value = String(seconds);
      readOnly.checked = room.read_only;
      modPanel.hidden = !you.moderate || room.state !== "open";
    };
    modPanel.syncForms();
  }

  function onMessageAction(event) {
    const target = event.target.closest("button[data-action]");
    const li = event.target.closest("[data-message-id]");
    if (!target || !li) return;
    const id = int(li.dataset.messageId);
    if (target.dataset.action === "edit") {
      startEdit(li, id);
    } else if (target.dataset.action === "delete") {
      if (window.confirm(gettext("Delete this message?"))) act({ type: "delete", id });
    } else if (target.dataset.action === "mute") {
      const minutes = el("input", { type: "number", name: "minutes", min: "1", max: "43200", value: "10", inputmode: "numeric" });
      const reason = el("input", { type: "text", name: "reason", maxlength: "200", dir: "auto", required: true });
      const name = li.querySelector(".room-author")?.textContent || "";
      inlineForm(li, [el("p", { class: "room-inline-title", text: interpolate(gettext("Mute %(name)s in this room"), { name: isolate(name) }) }),
        field(gettext("Minutes"), minutes), field(gettext("Reason"), reason)], gettext("Mute"), () => {
        const value = int(minutes.value);
        if (value === null || value < 1 || value > 43200) {
          minutes.focus();
          return false;
        }
        if (!reason.value.trim()) {
          formNote(reason.form, gettext("Say why: the reason is recorded."));
          reason.focus();
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
      const sent = act({ type: voting ? "vote" : "unvote", question_id: id }, { onError: (code) => {
        // Refused: show the vote as it really is.
        entry.data.voted = code === "already_voted" ? true : !voting;
        drawQuestion(entry);
        return code === "already_voted";
      } });
      if (!sent) return;
      // Shown at once; the room's question_updated brings the true count.
      entry.data.voted = voting;
      drawQuestion(entry);
    } else if (action === "merge") {
      const others = [...questions.values()].filter((e) => e.data.id !== id);
      if (others.length === 0) {
        say(gettext("There is no other question to merge into."));
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
    } else if (action === "unanswer") {
      act({ type: "answer", question_id: id, answered: false });
    } else if (["answer", "pin", "unpin", "hide", "approve"].includes(action)) {
      act({ type: action, question_id: id });
    }
  }
  questionList.addEventListener("click", onQuestionAction);
  heldList.addEventListener("click", onQuestionAction);
  // The page's vote forms post without JavaScript; here the socket votes instead.
  questionList.addEventListener("submit", (event) => event.preventDefault());

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
  for (const li of [...questionList.querySelectorAll("[data-question-id]")]) {
    const data = questionData(li);
    if (data.id === null) continue;
    if (data.state === "held") {
      li.remove();
      addHeld({ id: data.id, html: li.querySelector(".room-question-body")?.innerHTML || "",
        author: { name: li.querySelector(".room-author")?.textContent || "" } });
      continue;
    }
    questions.set(data.id, { data, li });
  }
  for (const entry of questions.values()) drawQuestion(entry);
  sortQuestions();
  messageList.scrollTop = messageList.scrollHeight;

  // ---- Events ----
  function applyRoom(event) {
    if (event.state) room.state = event.state;
    if ("read_only" in event) room.read_only = Boolean(event.read_only);
    if (["both", "chat", "qa"].includes(event.mode) && event.mode !== root.dataset.mode) {
      showPanes(event.mode);
      layout();
      if (root.classList.contains("room-tabbed")) showTab(root.dataset.tab || "chat");
      else if (chatPane.hidden || qaPane.hidden) showTab(chatPane.hidden ? "qa" : "chat");
    }
    if ("questions_held" in event) heldNote.hidden = !event.questions_held;
    drawBanners();
    updateForms();
    modPanel.syncForms?.();
  }

  function slowFrom(value) {
    return value && typeof value === "object"
      ? { seconds: Number(value.seconds) || 0, reason: value.reason || "", set_by: value.set_by || null }
      : { seconds: Number(value) || 0, reason: "", set_by: null };
  }

  function onEvent(event) {
    switch (event.type) {
      case "message":
        showAgain(event);
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
        room.slow = slowFrom(event);
        applyRoom({});
        break;
      case "room_state":
        applyRoom(event);
        if (event.state === "closed") say(gettext("The session has been closed."), { sticky: true });
        break;
      default:
        break;
    }
  }

  function moderation() {
    // The moderators' controls, from the first `hello` or a later `you` that grants the role.
    if (you.moderate && !modPanel.isConnected) {
      buildModPanel();
      const admin = root.querySelector(".room-admin");
      if (admin) admin.querySelector("h2")?.after(modPanel);
      else root.append(el("section", { class: "room-admin card" }, el("h2", { text: gettext("Moderate the room") }), modPanel));
    }
    modPanel.hidden = !you.moderate || room.state !== "open";
    root.classList.toggle("room-moderator", Boolean(you.moderate));
  }

  function hello(event) {
    if (event.you && typeof event.you === "object") {
      const firstId = you.id;
      Object.assign(you, event.you);
      you.id = int(you.id);
      if (firstId !== you.id) restore(); // the page did not say who we are
    }
    if (event.slow_mode !== undefined) room.slow = slowFrom(event.slow_mode);
    bannersKnown = true;
    moderation();
    applyRoom(event);
    if (event.presence !== undefined) drawPresence(event.presence, { reset: true });
    if (event.off_the_record !== undefined) root.dataset.offTheRecord = String(Boolean(event.off_the_record));
    setConnection("live");
    if (hadConnection && dropped) say(gettext("Connection is back."));
    hadConnection = true;
    dropped = false;
    flush();
  }

  function onOther(event) {
    switch (event.type) {
      case "hello":
        hello(event);
        break;
      case "ack":
        asked.delete(event.client_id);
        acked(event);
        break;
      case "you":
        if (event.you && typeof event.you === "object") {
          Object.assign(you, event.you, { id: you.id });
          moderation();
          drawBanners();
          updateForms();
        }
        break;
      case "error": {
        const text = errorText(event.code, event.message, event.retry_after);
        if (event.client_id && pending.has(event.client_id)) {
          fail(event.client_id, text);
          say(text);
        } else if (event.client_id && asked.has(event.client_id)) {
          const { onError } = asked.get(event.client_id);
          asked.delete(event.client_id);
          const quiet = onError ? onError(event.code) : false;
          if (!quiet) say(text);
        } else {
          say(text, { sticky: event.code === "signed_out" || event.code === "forbidden" });
        }
        if (event.code === "signed_out") {
          // A shared computer: the next person must not find this person's unsent words in storage.
          try {
            window.localStorage.removeItem(storageKey());
          } catch {
            // storage unavailable: nothing was kept there
          }
          keepPending = false;
        }
        break;
      }
      case "rate_limited": {
        // Over the socket's frame budget: the frame was dropped unanswered. What is on its way is
        // sent again (same client_id) once the wait is over.
        say(errorText("rate_limited", "", event.retry_after));
        const wait = Math.max(1, Number(event.retry_after) || 1) * 1000;
        for (const [clientId, p] of pending) {
          if (p.status !== "sending") continue;
          window.clearTimeout(p.timer);
          p.timer = window.setTimeout(() => transmit(clientId), wait);
        }
        break;
      }
      case "presence":
      case "people":
        drawPresence(event);
        break;
      case "typing":
        typing(event);
        break;
      case "question_held":
        addHeld(event);
        break;
      case "question_removed": // a held question hidden: only the moderators' queue changes
        dropQuestion(int(event.id));
        break;
      default:
        break;
    }
  }

  function onResync(history) {
    // Too far behind for a replay: take the room as the server has it now.
    if (history.complete === false) {
      // Messages are missing between what we show and what came: show the latest ones instead.
      messageList.replaceChildren();
      messages.clear();
    }
    // Removed while we were away: gone, as a reload would show it (no placeholder to explain).
    for (const id of Array.isArray(history.removed) ? history.removed : []) dropMessage(int(id));
    for (const message of history.messages || []) {
      const shown = messages.get(int(message.id));
      if (!shown) addMessage({ ...message, type: "message" });
      else if (message.edited_at) updateMessage(message); // edited while we were away
    }
    if (Array.isArray(history.questions)) {
      const shown = new Set(history.questions.map((q) => int(q.id)));
      for (const id of [...questions.keys()]) if (!shown.has(id)) dropQuestion(id);
      for (const question of history.questions) upsertQuestion(question);
    }
    if (history.slow_mode !== undefined) room.slow = slowFrom(history.slow_mode);
    applyRoom(history);
  }

  restore();
  setConnection("connecting");
  const feed = createRoomFeed({
    url: root.dataset.socketUrl,
    historyUrl: root.dataset.historyUrl || "history.json",
    lastSeq: int(root.dataset.seq ?? root.dataset.lastSeq),
    onEvent,
    onOther,
    onResync,
    onState: (state, info = {}) => {
      if (state === "connected") return; // "live" once the server said hello
      if (state === "closed" && info.final) setConnection("closed", info);
      else if (state === "closed" || (state === "connecting" && hadConnection)) {
        setConnection(info.offline || navigator.onLine === false ? "offline" : "reconnecting");
      } else if (state === "connecting") setConnection("connecting");
      if (state === "closed") {
        dropped = true;
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
}

const root = document.querySelector("[data-live-room]");
if (root && root.dataset.socketUrl && "WebSocket" in window) {
  loadCatalogue(root.dataset.catalogUrl || undefined).then(() => start(root));
}
