// Consultation page: when a position is submitted, revised, hidden or the synthesis published, the
// server says so on `ws/consultations/<id>/` and this page fetches its comparison again (the server
// decides what this reader may see) and swaps it in, keeping the stance filter. Without this file
// the page is complete; a reload shows what is new.
import { openLiveSocket } from "./socket.js";

const live = document.getElementById("consultation-live");
const status = document.querySelector("[data-consultation-status]");

async function refresh() {
  const url = new URL(window.location.href);
  url.searchParams.set("fragment", "comparison");
  url.hash = "";
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (!response.ok) return;
  live.innerHTML = await response.text();
  live.dataset.refreshed = String(Number(live.dataset.refreshed || 0) + 1);
  if (status) status.textContent = status.dataset.updated || "";
}

// Every open page is told at once: each waits a random moment (up to a second) so that a busy
// consultation's readers do not all ask at the same instant, and several events close together
// cost one fetch.
let pending = null;
function refreshSoon() {
  if (pending !== null) return;
  pending = window.setTimeout(() => {
    pending = null;
    refresh();
  }, Math.round(Math.random() * 1000));
}

if (live && live.dataset.socketUrl) {
  let opened = false;
  openLiveSocket({
    url: live.dataset.socketUrl,
    onEvent(event) {
      if (String(event.type || "").startsWith("consultations.")) refreshSoon();
    },
    onState(state) {
      // After a drop, what changed meanwhile is fetched once the socket is back.
      if (state === "connected") {
        if (opened) refreshSoon();
        opened = true;
        live.dataset.socket = "connected";
      }
    },
  });
}
