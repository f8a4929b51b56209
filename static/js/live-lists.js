// Live list pages (category list, one category's threads): other members' new threads and replies
// raise the unread badges in place and offer a reload link. Protocol: docs/live-protocol.md.
const banner = document.querySelector("[data-live-lists]");
const CLOSE_FINAL = new Set([4401, 4403, 4404]);

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

function start() {
  const me = Number(banner.dataset.userId);
  const only = banner.dataset.categories;
  const link = banner.querySelector(".live-banner-button");

  function handle(message) {
    if (message.type !== "discussions.thread.activity" && message.type !== "discussions.thread.created") return;
    if (message.author_id === me) return;
    bump(document.querySelector(`[data-unread-category="${Number(message.category_id)}"]`));
    const shown = bump(document.querySelector(`[data-unread-thread="${Number(message.thread_id)}"]`));
    if (!shown && (only || !document.querySelector(`[data-unread-category="${Number(message.category_id)}"]`))) {
      link.hidden = false;
    }
  }

  function connect(attempt = 0) {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const query = only ? `?categories=${encodeURIComponent(only)}` : "";
    const socket = new WebSocket(`${scheme}://${window.location.host}/ws/categories/${query}`);
    let opened = false;
    socket.addEventListener("open", () => {
      opened = true;
      banner.dataset.live = "connected";
    });
    socket.addEventListener("message", (event) => {
      try {
        handle(JSON.parse(event.data));
      } catch {
        // Ignore frames we cannot read.
      }
    });
    socket.addEventListener("close", (event) => {
      banner.dataset.live = "closed";
      if (CLOSE_FINAL.has(event.code)) return;
      const next = opened ? 0 : attempt + 1;
      const delay = Math.min(30000, 1000 * 2 ** Math.min(next, 5)) * (0.5 + Math.random() / 2);
      window.setTimeout(() => connect(next), delay);
    });
  }

  connect();
}

if (banner && "WebSocket" in window) {
  start();
}
