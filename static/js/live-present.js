// The presenter view of a live room (templates/live/session_present.html): for the room's screen,
// in large type, the pinned question (or else the most voted open one) and the next three, kept
// current as votes, pins, answers and new questions arrive. Ordered, gap-free events: live-feed.js.
// The page's markup: #presenter[data-presenter] (data-socket-url, data-history-url, data-last-seq),
// [data-current-question], section.presenter-next. HTML from the server is already sanitised.
import { createRoomFeed } from "./live-feed.js";
import { gettext, interpolate, loadCatalogue, ngettext } from "./i18n.js";

const NEXT = 3;

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function fragment(html) {
  const template = document.createElement("template");
  template.innerHTML = html || "";
  return template.content;
}

function plain(html, limit) {
  const text = (fragment(html).textContent || "").trim().replace(/\s+/g, " ");
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

// Pinned first, then most votes, then the oldest (as the server's page orders them).
export function ranked(questions) {
  return [...questions.values()]
    .filter((q) => q.state === "open" && !q.merged_into)
    .sort((a, b) => (Number(Boolean(b.pinned)) - Number(Boolean(a.pinned))) || (b.votes - a.votes)
      || String(a.asked_at || "").localeCompare(String(b.asked_at || "")) || (a.id - b.id));
}

async function start(root) {
  const current = root.querySelector("[data-current-question]") || root.appendChild(
    el("section", { class: "presenter-current", "aria-live": "polite", "data-current-question": "" }));
  let next = root.querySelector(".presenter-next");
  // The connection, quietly, beside the header's link (the screen is for the questions).
  const status = el("span", { class: "presenter-status muted", role: "status" });
  const header = root.querySelector(".presenter-header");
  const spot = header ? header.lastElementChild : null;
  if (spot && spot.tagName === "P") spot.append(" · ", status);
  else (header || root).append(status);
  const questions = new Map();
  let shown = "";

  function votes(q) {
    return interpolate(ngettext("%(count)s vote", "%(count)s votes", q.votes), { count: q.votes });
  }

  function draw() {
    const order = ranked(questions);
    const top = order[0];
    const key = top ? `${top.id}:${top.votes}:${top.pinned}` : "none";
    if (key !== shown) {
      shown = key;
      if (!top) {
        current.replaceChildren(el("p", { class: "presenter-empty", text: gettext("No open question.") }));
      } else {
        const author = el("p", { class: "presenter-author" },
          el("span", { dir: "auto", text: top.author && top.author.name ? top.author.name : gettext("Former member") }));
        if (top.author && top.author.organisation) author.append(" · ", el("span", { dir: "auto", text: top.author.organisation }));
        author.append(` · ${votes(top)}`);
        const question = el("blockquote", { class: "presenter-question user-content", dir: "auto", "data-question-id": top.id });
        question.append(fragment(top.html));
        current.replaceChildren(
          el("p", { class: "presenter-label", text: top.pinned ? gettext("Current question") : gettext("Most voted question") }),
          question, author);
      }
    }
    const following = order.slice(1, 1 + NEXT);
    if (!next && following.length) {
      next = el("section", { class: "presenter-next", "aria-labelledby": "presenter-next" },
        el("h2", { id: "presenter-next", text: gettext("Next questions") }), el("ol"));
      root.append(next);
    }
    if (next) {
      next.hidden = following.length === 0;
      const list = next.querySelector("ol") || next.appendChild(el("ol"));
      list.replaceChildren(...following.map((q) => el("li", { "data-question-id": q.id },
        el("span", { class: "user-content", dir: "auto", text: plain(q.html, 160) }), " ",
        el("span", { class: "muted", text: `(${q.votes})` }))));
    }
  }

  function take(q) {
    const id = Number(q.id);
    if (!Number.isInteger(id)) return;
    if (q.state === "hidden" || q.merged_into) {
      questions.delete(id);
      return;
    }
    const known = questions.get(id);
    if (known) {
      for (const key of ["votes", "state", "pinned", "merged_into", "html", "author", "asked_at"]) {
        if (q[key] !== undefined && q[key] !== null) known[key] = q[key];
      }
    } else if (q.html) {
      questions.set(id, { ...q, id });
    }
  }

  function load(history) {
    questions.clear();
    for (const q of history.questions || []) take(q);
    draw();
  }

  function setStatus(state) {
    status.textContent = state === "live" ? gettext("Live")
      : state === "closed" ? gettext("Disconnected from the room. Reload the page to try again.")
        : gettext("Connection lost. Reconnecting…");
    root.dataset.live = state;
  }

  let seq = Number(root.dataset.lastSeq);
  try {
    // The page shows only the first few: the whole list comes over HTTP, then the socket keeps it.
    const response = await fetch(root.dataset.historyUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.ok) {
      const history = await response.json();
      load(history);
      seq = Number(history.seq);
    }
  } catch {
    // Offline for now: the feed's join and its resync bring the room when it can.
  }

  createRoomFeed({
    url: root.dataset.socketUrl,
    historyUrl: root.dataset.historyUrl,
    lastSeq: Number.isInteger(seq) ? seq : null,
    onEvent: (event) => {
      if (event.type === "question" || event.type === "question_updated") take(event);
      else if (event.type === "question_removed") questions.delete(Number(event.id));
      else return;
      draw();
    },
    onOther: (event) => {
      if (event.type === "hello") setStatus("live");
    },
    onResync: load,
    onState: (state, info = {}) => {
      if (state === "closed") setStatus(info.final ? "closed" : "reconnecting");
    },
  });
}

const root = document.querySelector("#presenter[data-socket-url], [data-presenter][data-socket-url]");
if (root && "WebSocket" in window) {
  loadCatalogue(root.dataset.catalogUrl || undefined).then(() => start(root));
}
