// Live list pages (category list, one category's threads): other members' new threads and replies
// raise the unread badges in place and offer a reload link. On the first page of a category, a
// banner "Show new or updated threads: N" instead fetches those threads' rows from the server
// (views.rows) and puts them at the top of the table, pinned threads first, without a reload.
// Protocol: docs/live-protocol.md.
import { openLiveSocket } from "./socket.js";

const banner = document.querySelector("[data-live-lists]");
const rowsBanner = document.querySelector("[data-live-rows]");

function bump(holder) {
  if (!holder) return false;
  let badge = holder.querySelector(".badge");
  if (!badge) {
    badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = "0";
    holder.append(badge);
  }
  badge.textContent = String((Number(badge.textContent) || 0) + 1);
  return true;
}

function liveRows() {
  // The first page of one category: collect the threads with news, insert them when asked.
  const button = rowsBanner.querySelector("button");
  const table = document.querySelector("[data-thread-table]");
  const body = table && table.querySelector("[data-thread-rows]");
  const max = Number(rowsBanner.dataset.rowsMax) || 30;
  const pending = new Map(); // thread id -> stamp of its latest news
  let stamp = 0;
  let busy = false;

  function label() {
    const count = Math.min(pending.size, max);
    button.textContent = (rowsBanner.dataset.labelNew || "%s").replace("%s", String(count));
    button.hidden = pending.size === 0;
  }

  function place(row) {
    // Pinned rows go first; a row with news goes first among its kind (newest activity).
    const existing = body.querySelector(`tr[data-thread-id="${Number(row.dataset.threadId)}"]`);
    if (existing) existing.remove();
    const pinned = row.classList.contains("thread-pinned");
    const anchor = pinned ? body.querySelector("tr") : body.querySelector("tr:not(.thread-pinned)");
    body.insertBefore(row, anchor);
  }

  async function apply() {
    if (busy || pending.size === 0) return;
    busy = true;
    const asked = [...pending].slice(-max);
    const ids = asked.map(([id]) => id);
    try {
      const url = `${rowsBanner.dataset.rowsUrl}?ids=${ids.join(",")}`;
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!response.ok) throw new Error(String(response.status));
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const rows = [...doc.querySelectorAll("tr[data-thread-id]")];
      // Insert in reverse so the server's order (pinned, then newest) ends up on top.
      const inserted = rows.map((row) => document.importNode(row, true));
      for (const row of [...inserted].reverse()) place(row);
      // News that arrived while fetching stays pending for the next click.
      for (const [id, seen] of asked) if (pending.get(id) === seen) pending.delete(id);
      if (body.querySelector("tr")) {
        table.hidden = false;
        const empty = document.querySelector("[data-no-threads]");
        if (empty) empty.hidden = true;
      }
      label();
      const first = inserted.length ? inserted[0].querySelector(".thread-title") : null;
      if (first && button.hidden) first.focus({ preventScroll: true });
    } catch {
      window.location.reload();
    } finally {
      busy = false;
    }
  }

  button.addEventListener("click", apply);
  return (message) => {
    if (!body || Number(message.category_id) !== Number(rowsBanner.dataset.categoryId)) return false;
    pending.delete(Number(message.thread_id));
    pending.set(Number(message.thread_id), ++stamp);
    label();
    return true;
  };
}

function start() {
  const me = Number(banner.dataset.userId);
  const only = banner.dataset.categories;
  const link = banner.querySelector(".live-banner-button");
  const rows = rowsBanner ? liveRows() : null;

  function handle(message) {
    if (message.type !== "discussions.thread.activity" && message.type !== "discussions.thread.created") return;
    if (message.author_id === me) return;
    bump(document.querySelector(`[data-unread-category="${Number(message.category_id)}"]`));
    const shown = bump(document.querySelector(`[data-unread-thread="${Number(message.thread_id)}"]`));
    if (rows && rows(message)) return;
    if (!shown && (only || !document.querySelector(`[data-unread-category="${Number(message.category_id)}"]`))) {
      link.hidden = false;
    }
  }

  openLiveSocket({
    url: banner.dataset.socketUrl,
    onEvent: handle,
    onState: (state) => {
      banner.dataset.live = state;
    },
  });
}

if (banner && banner.dataset.socketUrl && "WebSocket" in window) {
  start();
}
