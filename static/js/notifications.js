// Live unread badge in the header: listens on ws/notifications/ and updates the count.
// Without this file the badge still shows the count of the last page load.
const link = document.querySelector("[data-notification-badge]");

function setCount(count) {
  let badge = link.querySelector(".badge");
  if (!count) {
    if (badge) badge.remove();
    return;
  }
  if (!badge) {
    badge = document.createElement("span");
    badge.className = "badge";
    link.append(" ", badge);
  }
  badge.textContent = String(count);
  link.dataset.unread = String(count);
}

function connect(attempt = 0) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${window.location.host}/ws/notifications/`);
  let opened = false;
  socket.addEventListener("open", () => {
    opened = true;
  });
  socket.addEventListener("message", (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (message.type === "notifications.unread" && Number.isInteger(message.count)) {
      setCount(message.count);
    }
  });
  socket.addEventListener("close", (event) => {
    // 4401: not signed in any more; 4403: not allowed. Retrying would not help.
    if (event.code === 4401 || event.code === 4403) return;
    const next = opened ? 0 : attempt + 1;
    const delay = Math.min(30000, 1000 * 2 ** Math.min(next, 5)) * (0.5 + Math.random() / 2);
    window.setTimeout(() => connect(next), delay);
  });
}

if (link && "WebSocket" in window) {
  connect();
}
