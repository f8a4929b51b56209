// One live connection to the server, shared by every live page (thread, lists, the header badge, and
// the live rooms, through live-feed.js). It opens the socket at the address the page gives (a `data-socket-url`
// attribute: the template builds the path, never this file), hands each JSON event to `onEvent`,
// and reconnects after a drop as docs/live-protocol.md says ("Close codes"):
//   - 4401 / 4403 / 4404: final (signed out, not allowed, no such thing): stop, never retry;
//   - 4429 (the server closed a client that kept sending past its budget): wait longer;
//   - anything else (network, server restart): retry with backoff, 1 s doubling to 30 s, jittered
//     so that a restarted server is not hit by every page at once; on each (re)connection
//     `resumeFrame()` is sent, so the page gets what it missed.
// (A socket the server refuses before accepting it reaches the browser as a failed handshake,
// code 1006, not as its 44xx code: it is retried like a network failure, with the same backoff.)
// A tab in the background does not reconnect until it is shown again; coming back online or into
// view retries at once (except after 4429: the server asked for patience).
// The page learns the state through `onState(state, {code, final, delay, offline})`, state being
// "connecting", "connected" or "closed" (`final` true when it will not retry).
// With `dropWhenOffline` (live rooms), the browser's `offline` event drops the socket at once
// (code null, `offline` true) instead of waiting for the network stack to notice, minutes later:
// the page then knows that what is typed must wait, and the return `online` reconnects at once.

export const CLOSE_FINAL = new Set([4401, 4403, 4404]);
export const CLOSE_TOO_FAST = 4429;
const BASE_DELAY = 1000;
const MAX_DELAY = 30000;
const TOO_FAST_DELAY = 60000;

// The path a page gives -> "wss://<this host><path>" on an https page, "ws://…" on http.
export function socketUrl(path) {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

// Milliseconds to wait before attempt number `attempt` (0 after a connection that had opened).
export function retryDelay(attempt, code, random = Math.random) {
  const jitter = 0.5 + random() / 2;
  if (code === CLOSE_TOO_FAST) return Math.round(TOO_FAST_DELAY * jitter);
  return Math.round(Math.min(MAX_DELAY, BASE_DELAY * 2 ** Math.min(attempt, 5)) * jitter);
}

export function openLiveSocket({ url, onEvent, onState = () => {}, resumeFrame = null, dropWhenOffline = false }) {
  const address = socketUrl(url);
  let socket = null;
  let attempt = 0;
  let timer = null;
  let waiting = false; // closed, a retry is due (after the timer, or when the tab is shown)
  let patient = false; // the last close was 4429: only the timer may retry
  let stopped = false;

  function connect() {
    window.clearTimeout(timer);
    timer = null;
    waiting = false;
    if (stopped) return;
    let opened = false;
    onState("connecting", { code: null, final: false, delay: null });
    const current = new WebSocket(address);
    socket = current;
    current.addEventListener("open", () => {
      if (socket !== current) return;
      opened = true;
      attempt = 0;
      patient = false;
      onState("connected", { code: null, final: false, delay: null });
      const frame = resumeFrame ? resumeFrame() : null;
      if (frame) socket.send(JSON.stringify(frame));
    });
    current.addEventListener("message", (event) => {
      if (socket !== current) return;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return; // A frame we cannot read: ignore it, the next resume heals any gap.
      }
      if (message && typeof message === "object") onEvent(message);
    });
    current.addEventListener("close", (event) => {
      if (stopped || socket !== current) return;
      if (CLOSE_FINAL.has(event.code)) {
        stopped = true;
        onState("closed", { code: event.code, final: true, delay: null });
        return;
      }
      if (!opened) attempt += 1;
      patient = event.code === CLOSE_TOO_FAST;
      const delay = retryDelay(attempt, event.code);
      waiting = true;
      onState("closed", { code: event.code, final: false, delay });
      timer = window.setTimeout(retry, delay);
    });
  }

  function retry() {
    timer = null;
    // In a background tab, wait until it is shown: nobody is looking, and a restarted server
    // should first serve the pages people are reading.
    if (document.visibilityState === "hidden") return;
    connect();
  }

  function dropped() {
    // The browser says the network is gone: give up this socket now (its close may take minutes).
    if (stopped || !dropWhenOffline || !socket || socket.readyState === WebSocket.CLOSED) return;
    const old = socket;
    socket = null;
    old.close(1000);
    window.clearTimeout(timer);
    attempt = 0;
    patient = false;
    waiting = true;
    const delay = retryDelay(attempt, null);
    onState("closed", { code: null, final: false, delay, offline: true });
    timer = window.setTimeout(retry, delay);
  }

  function wake() {
    if (!waiting || document.visibilityState === "hidden") return;
    if (patient && timer !== null) return;
    connect();
  }

  document.addEventListener("visibilitychange", wake);
  window.addEventListener("online", wake);
  window.addEventListener("offline", dropped);

  connect();
  return {
    send(frame) {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify(frame));
        return true;
      }
      return false;
    },
    close() {
      stopped = true;
      window.clearTimeout(timer);
      document.removeEventListener("visibilitychange", wake);
      window.removeEventListener("online", wake);
      window.removeEventListener("offline", dropped);
      if (socket) socket.close(1000);
    },
  };
}
