// Live unread badge in the header: listens on the page's notification socket (the badge's
// `data-socket-url`) and updates the count. Without this file the badge still shows the count of
// the last page load. Protocol: docs/live-protocol.md.
import { openLiveSocket } from "./socket.js";

const link = document.querySelector("[data-notification-badge]");
// Moderators: the review queue's open items, on the same socket (`moderation.queue`).
const queueLink = document.querySelector("[data-review-queue-badge]");

function setCount(count, target = link) {
  let badge = target.querySelector(".badge");
  target.dataset.count = String(count);
  if (!count) {
    if (badge) badge.remove();
    return;
  }
  if (!badge) {
    badge = document.createElement("span");
    badge.className = "badge";
    target.append(" ", badge);
  }
  badge.textContent = String(count);
  if (target === link) link.dataset.unread = String(count);
}

if (link && link.dataset.socketUrl && "WebSocket" in window) {
  openLiveSocket({
    url: link.dataset.socketUrl,
    onEvent: (message) => {
      if (message.type === "notifications.unread" && Number.isInteger(message.count)) {
        setCount(message.count);
      } else if (message.type === "moderation.queue" && queueLink && Number.isInteger(message.count)) {
        setCount(message.count, queueLink);
      }
    },
    onState: (state) => {
      link.dataset.live = state;
    },
  });
}
