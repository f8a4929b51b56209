// Live unread badge in the header: listens on the page's notification socket (the badge's
// `data-socket-url`) and updates the count. Without this file the badge still shows the count of
// the last page load. Protocol: docs/live-protocol.md.
import { openLiveSocket } from "./socket.js";

const link = document.querySelector("[data-notification-badge]");
// On phones the header's links are folded into a menu: its button shows the count too.
const menuButton = document.querySelector("[data-menu-badge]");
// Moderators: the review queue's open items, on the same socket (`moderation.queue`).
const queueLink = document.querySelector("[data-review-queue-badge]");

function setBadge(holder, count) {
  let badge = holder.querySelector(".badge");
  holder.dataset.count = String(count);
  if (!count) {
    if (badge) badge.remove();
    return;
  }
  if (!badge) {
    badge = document.createElement("span");
    badge.className = "badge";
    holder.append(" ", badge);
  }
  badge.textContent = String(count);
}

function setCount(count) {
  setBadge(link, count);
  if (menuButton) setBadge(menuButton, count);
  if (count) link.dataset.unread = String(count);
}

if (link && link.dataset.socketUrl && "WebSocket" in window) {
  openLiveSocket({
    url: link.dataset.socketUrl,
    onEvent: (message) => {
      if (message.type === "notifications.unread" && Number.isInteger(message.count)) {
        setCount(message.count);
      } else if (message.type === "moderation.queue" && queueLink && Number.isInteger(message.count)) {
        setBadge(queueLink, message.count);
      }
    },
    onState: (state) => {
      link.dataset.live = state;
    },
  });
}
