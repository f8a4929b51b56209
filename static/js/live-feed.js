// The ordered event feed of one live room (docs/live-protocol.md, "Live rooms"), shared by the room
// page (live-room.js) and the presenter view (live-present.js).
//
// Nothing lost, nothing twice: every room event carries the room's sequence number. The feed keeps
// the last *contiguous* number it handed on (`lastSeq`), and
//   - joins with it on every (re)connection (`join {after_seq}`), so the server replays what was missed;
//   - drops an event whose number it already handed on (a replay repeats, a re-join overlaps);
//   - holds an event that comes too early (seq > lastSeq + 1) and waits about a second for the
//     missing ones; if they do not come, it joins again with `lastSeq` (the server replays the gap);
//   - on `resync` (too far behind for a replay) fetches the room's history over HTTP
//     (`history.json?after=`), hands it to the page, and joins again from the history's number.
// Numbers announced without the event (`hello.seq`, `pong.seq`, `ack.seq`) also reveal a gap.
// Events without a number (hello, ack, error, rate_limited, presence, typing, question_held, pong,
// and the moderators' `question_removed` of a held question) go straight to `onOther`.
import { openLiveSocket } from "./socket.js";

export const SEQUENCED = new Set([
  "message", "message_updated", "message_removed", "question", "question_updated", "question_removed",
  "slow_mode", "room_state",
]);
export const GAP_WAIT = 1000;
const PING_EVERY = 25000;

export function createRoomFeed({
  url, historyUrl, lastSeq = null, onEvent, onOther = () => {}, onState = () => {}, onResync = null,
  gapWait = GAP_WAIT,
}) {
  let last = Number.isInteger(lastSeq) ? lastSeq : null;
  let latest = last || 0; // the highest number the server has mentioned
  const early = new Map(); // seq -> event that came before its predecessors
  let gapTimer = null;
  let gapFrom = null;
  let joined = false;
  let pinger = null;
  let resyncing = false;

  function deliver(event) {
    try {
      onEvent(event);
    } catch (error) {
      window.setTimeout(() => { throw error; }); // report it, but keep the feed going
    }
  }

  function drain() {
    while (early.has(last + 1)) {
      const event = early.get(last + 1);
      early.delete(last + 1);
      last += 1;
      deliver(event);
    }
    for (const seq of early.keys()) if (seq <= last) early.delete(seq);
  }

  function watchGap() {
    if (last === null || latest <= last || !joined) {
      window.clearTimeout(gapTimer);
      gapTimer = null;
      return;
    }
    if (gapTimer !== null) return;
    gapFrom = last;
    gapTimer = window.setTimeout(() => {
      gapTimer = null;
      if (last >= latest || !joined) return;
      // No progress for a whole wait: ask again from the last number we hold.
      if (last === gapFrom) join();
      watchGap();
    }, gapWait);
  }

  function heard(seq) {
    if (Number.isInteger(seq) && seq > latest) latest = seq;
    watchGap();
  }

  function sequenced(event) {
    const seq = event.seq;
    if (!Number.isInteger(seq) || seq < 1) return;
    if (last === null) last = seq - 1; // a fresh client: the page already shows what came before
    if (seq <= last || early.has(seq)) return; // a repeat
    if (seq === last + 1) {
      last = seq;
      deliver(event);
      drain();
    } else {
      early.set(seq, event);
    }
    heard(seq);
  }

  function join() {
    socket.send({ type: "join", after_seq: last });
  }

  async function resync() {
    if (resyncing) return;
    resyncing = true;
    joined = false;
    try {
      const address = new URL(historyUrl, window.location.href);
      if (last !== null) address.searchParams.set("after", String(last));
      const response = await fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      const history = await response.json();
      const seq = Number(history.seq ?? history.last_seq);
      if (!onResync || !Number.isInteger(seq)) throw new Error("no usable history");
      onResync(history);
      last = Math.max(last || 0, seq);
      latest = Math.max(latest, last);
      early.clear();
      join();
    } catch {
      // The page itself holds the whole history: reloading it is the last resort (pending sends
      // are kept in localStorage and survive it).
      window.location.reload();
    } finally {
      resyncing = false;
    }
  }

  function handle(event) {
    const type = event.type;
    if (SEQUENCED.has(type) && event.seq !== null && event.seq !== undefined) {
      sequenced(event);
      return;
    }
    if (type === "hello") {
      joined = true;
      if (last === null && Number.isInteger(event.seq)) last = event.seq;
      onOther(event);
      heard(event.seq);
      return;
    }
    if (type === "resync") {
      resync();
      return;
    }
    if (type === "pong" || type === "ack") heard(event.seq);
    onOther(event);
  }

  const socket = openLiveSocket({
    url,
    onEvent: handle,
    dropWhenOffline: true,
    resumeFrame: () => ({ type: "join", after_seq: last }),
    onState: (state, info) => {
      joined = false;
      window.clearInterval(pinger);
      window.clearTimeout(gapTimer);
      gapTimer = null;
      if (state === "connected") {
        // An idle room: the pong's number tells us whether an event slipped by.
        pinger = window.setInterval(() => socket.send({ type: "ping" }), PING_EVERY);
      }
      onState(state, info);
    },
  });

  return {
    send: (frame) => joined && socket.send(frame),
    get joined() { return joined; },
    get lastSeq() { return last; },
    close: () => socket.close(),
  };
}
