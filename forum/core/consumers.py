"""WebSocket plumbing shared by every consumer, and the authenticated ping socket."""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import time
from datetime import datetime
from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.utils import await_many_dispatch
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.core import conf

from . import fastsend, metrics, realtime
from .hub import get_hub, serialise

logger = logging.getLogger(__name__)

# Close codes (documented in docs/live-protocol.md).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_MANY = 4429
CLOSE_TRY_AGAIN = 4013  # too far behind, or the channel layer was lost: the client reconnects and resumes
# (not 1013, "try again later": autobahn, under daphne, refuses to send any code but 1000 and 3000-4999)

MAX_FRAME_BYTES = 16 * 1024

# Frames a client may send: a steady rate with a burst on top (settings FORUM_WS_FRAMES_PER_SECOND,
# FORUM_WS_FRAME_BURST). Frames beyond it are refused; a client that keeps sending is cut off.


class FrameBudget:
    """A token bucket per socket: `take()` says whether one more frame may be handled now."""

    def __init__(self, rate: float, burst: int, clock=time.monotonic):
        self.rate, self.burst, self.clock = float(rate), int(burst), clock
        self.tokens, self.at = float(burst), clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class JsonConsumer(AsyncWebsocketConsumer):
    """A consumer speaking JSON text frames: `{"type": ..., ...}` in, events out.

    Bad frames get an `error` event with a stable `code` and a translated `message`; the
    connection stays open. Broadcasts arrive through `relay_event` and are sent as they are.
    A client sending faster than its budget gets `rate_limited` once; one that goes on sending
    past another full burst is closed with 4429.

    A socket has no channel of its own on the channel layer: the process's hub
    (`forum.core.hub`) is the only reader of the layer, and hands each socket its groups' events.
    channels gives every consumer a layer channel and a receive task on it; on channels-redis all
    of a process's channels share one blocking pop, which the receive task of any socket may be
    running, and a socket that closes cancels its task: a message popped at that moment (the
    hub's, for any page of the process) was lost, never to be seen. What a socket sends itself
    (its timer's re-check) goes through `inbox`, dispatched in turn with its frames, as a layer
    message was.
    """

    inbox: asyncio.Queue | None = None
    budget: FrameBudget | None = None
    # What the frame budget measures time with (tests give a clock of their own: no test waits).
    frame_clock = staticmethod(time.monotonic)
    refused_frames = 0
    cut_off = False

    async def __call__(self, scope, receive, send):
        """channels' `AsyncConsumer.__call__` without the layer channel (see the class docstring)."""
        self.scope = scope
        self.channel_layer = None
        self.channel_name = ""
        self.inbox = asyncio.Queue()
        self.base_send = send
        try:
            await await_many_dispatch([receive, self.inbox.get], self.dispatch)
        except StopConsumer:
            pass

    def send_to_self(self, message: dict[str, Any]) -> None:
        """Dispatch `message` (a handler `type`) in turn with the socket's frames."""
        if self.inbox is not None:
            self.inbox.put_nowait(message)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.cut_off:
            return  # closed for flooding: what was already in flight is dropped
        if not self.within_budget():
            self.refused_frames += 1
            if self.refused_frames == 1:
                await self.send_error("rate_limited", _("You are sending too many messages; please slow down."))
            elif self.refused_frames > self.budget.burst:
                self.cut_off = True
                await self.close(code=CLOSE_TOO_MANY)
            return
        self.refused_frames = 0
        if text_data is None:
            await self.send_error("bad_frame", _("Only text frames are accepted."))
            return
        if len(text_data.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
            await self.send_error("too_large", _("This message is too large."))
            return
        try:
            frame = json.loads(text_data)
        except (ValueError, RecursionError):  # deeply nested arrays exhaust the parser's stack
            await self.send_error("bad_json", _("This message is not valid JSON."))
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self.send_error("bad_frame", _("A message needs a type."))
            return
        await self.receive_frame(frame)

    def within_budget(self) -> bool:
        if self.budget is None:
            self.budget = FrameBudget(conf.FORUM_WS_FRAMES_PER_SECOND,
                                      conf.FORUM_WS_FRAME_BURST,
                                      clock=self.frame_clock)
        return self.budget.take()

    async def receive_frame(self, frame: dict[str, Any]) -> None:
        await self.send_error("unknown_type", _("Unknown message type."))

    async def send_json(self, payload: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(payload, ensure_ascii=False, separators=(",", ":")))

    async def send_error(self, code: str, message: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "message": str(message), **extra})

    async def relay_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active
                and not getattr(user, "deleted_at", None))


# The consumer method a socket's own timer wakes (see `FollowingConsumer`).
RECHECK_HANDLER = "access.recheck"
# Events a `FollowingConsumer`'s inbox may hold unhandled; past it the socket closes with 4013 (the
# client reconnects) rather than drop an access event (what a channel's capacity did before).
MAX_INBOX_EVENTS = 1500


class _InboxRelay:
    """The hub subscriber of a `FollowingConsumer` that handles its events in turn with its frames:
    each event goes to the socket's inbox, where the dispatch loop hands it to `relay_event` (which
    may wait on the database: the hub's loop never does)."""

    __slots__ = ("consumer",)

    def __init__(self, consumer: FollowingConsumer):
        self.consumer = consumer

    async def deliver(self, event: dict[str, Any], text: str) -> None:
        consumer = self.consumer
        if consumer.closing or consumer.inbox is None:
            return
        if consumer.inbox.qsize() >= MAX_INBOX_EVENTS:
            consumer.closing = True
            realtime.channel_full("socket", consumer.scope.get("path", ""))
            await consumer.close(code=CLOSE_TRY_AGAIN)
            return
        consumer.inbox.put_nowait({"type": realtime.RELAY_HANDLER, "event": event})

    async def layer_lost(self) -> None:
        await self.consumer.layer_lost()


# A far-off change is waited for in steps (a timer of months is pointless; the socket re-arms it).
MAX_TIMER_SECONDS = 6 * 60 * 60


class FollowingConsumer(JsonConsumer):
    """A signed-in user's socket that follows their access, not only checks it at the door.

    - At connect, and again whenever access may have changed, `check()` loads the user afresh,
      makes sure the session the socket was opened with still signs them in, and asks
      `authorise(user)` (each socket's own rule, which also refreshes what it caches: visible
      category ids, the thread's category) for a close code or None.
    - The socket joins the user's own group (`realtime.user_group`), where events arrive from any
      process through the channel layer: `accounts.session.ended` naming this socket's session
      closes it with 4401; an event in `recheck_events` makes it check again, closing it (after an
      `error` event) when access is gone, or moving it to the groups `wanted_groups()` names now.
    - `authorise` may set `next_change_at` (an observer's access end, a sanction that starts
      later): the socket wakes itself then and checks again, so no cron job is needed.
    - Every other broadcast is forwarded only when `may_forward(event)` says the user may see it
      now, from what the last check cached (no query per event).
    """

    recheck_events: frozenset[str] = frozenset()
    user_group: str = ""
    session_key: str = ""
    session: str = ""
    joined: frozenset[str] = frozenset()
    closing = False
    next_change_at: datetime | None = None
    timer: asyncio.Task | None = None
    relay: _InboxRelay | None = None

    # --- what each socket says ---------------------------------------------------------------------

    def authorise(self, user) -> int | None:
        """None when `user` (loaded afresh) may use this socket now, else the close code."""
        return None

    def wanted_groups(self) -> set[str]:
        """Groups to be in besides the user's own, from what `authorise` cached."""
        return set()

    def may_forward(self, event: dict[str, Any]) -> bool:
        """Whether this broadcast is for this socket and its user may see it now (default: no)."""
        return False

    def is_recheck(self, kind: str) -> bool:
        return kind in self.recheck_events

    def lost_access_message(self) -> str:
        return _("Your access has changed: please reload the page.")

    async def accepted(self) -> None:
        """Called once the socket is accepted (e.g. to send the current state)."""

    # --- the mechanism ---------------------------------------------------------------------------

    async def run_check(self) -> int | None:
        """`check()` in a database thread (a socket may run it on a pool: `forum.core.dbthreads`)."""
        return await database_sync_to_async(self.check)()

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not _signed_in(user):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.session_key = getattr(self.scope.get("session"), "session_key", None) or ""
        self.session = realtime.session_fingerprint(self.session_key)
        code = await self.run_check()
        if code:
            await self.close(code=code)
            return
        self.user_group = realtime.user_group(user.pk)
        await self.move_to_groups()
        await self.accept()
        self.arm_timer()
        await self.accepted()

    async def disconnect(self, code: int) -> None:
        self.closing = True
        if self.timer is not None:
            self.timer.cancel()
        await self.leave_groups()

    async def leave_groups(self) -> None:
        hub = get_hub()
        joined, self.joined = self.joined, frozenset()
        for group in joined:
            await hub.unsubscribe(group, self.relay)

    def check(self) -> int | None:
        """Runs in a worker thread: a fresh user row, the live session, then `authorise`."""
        self.next_change_at = None
        user = get_user_model().objects.filter(pk=self.scope["user"].pk).first()
        if not _signed_in(user) or not self.session_signs_in(user):
            return CLOSE_UNAUTHENTICATED
        return self.authorise(user)

    def session_signs_in(self, user) -> bool:
        """The socket's session still exists (not signed out, ended or expired) and is this user's."""
        if not self.session_key:
            return False
        store = import_module(settings.SESSION_ENGINE).SessionStore(self.session_key)
        return str(store.get(SESSION_KEY, "")) == str(user.pk)

    async def move_to_groups(self) -> None:
        """Follow the groups through the hub; their events come in turn with the frames (`relay`)."""
        hub = get_hub()
        if self.relay is None:
            self.relay = _InboxRelay(self)
        wanted = frozenset({self.user_group, *self.wanted_groups()})
        for group in sorted(wanted - self.joined):
            await hub.subscribe(group, self.relay, ordered=False)
            self.joined = self.joined | {group}
            if self.closing:  # closed meanwhile: disconnect may have run already
                await self.leave_groups()
                return
        for group in sorted(self.joined - wanted):
            await hub.unsubscribe(group, self.relay)
            self.joined = self.joined - {group}

    def arm_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.next_change_at is None or self.closing:
            return
        # A little after the moment itself: access that ends "at" t is still there at t.
        delay = max(0.0, (self.next_change_at - timezone.now()).total_seconds()) + 0.05
        self.timer = asyncio.ensure_future(self.wake_after(min(delay, MAX_TIMER_SECONDS)))

    async def wake_after(self, delay: float) -> None:
        await asyncio.sleep(delay)
        # Through the socket's inbox, so the re-check runs in turn with its other messages.
        self.send_to_self({"type": RECHECK_HANDLER})

    async def layer_lost(self) -> None:
        """The hub lost the channel layer (Redis restarting): events for this socket may be gone.
        Close with 4013; the client reconnects and catches up from the database, as it did when
        each socket read the layer itself and died with it."""
        if self.closing:
            return
        self.closing = True
        metrics.RESYNCS.labels(metrics.socket_kind(self.scope.get("path", ""))).inc()
        await self.close(code=CLOSE_TRY_AGAIN)

    async def access_recheck(self, message: dict[str, Any]) -> None:
        await self.recheck()

    async def recheck(self) -> bool:
        """Check access again: close when it is gone, else follow it (groups, timer). True if open."""
        if self.closing:
            return False
        code = await self.run_check()
        if code:
            await self.end(code)
            return False
        await self.move_to_groups()
        self.arm_timer()
        return True

    async def end(self, code: int) -> None:
        self.closing = True
        if code == CLOSE_UNAUTHENTICATED:
            await self.send_error("signed_out", _("You have been signed out: please sign in again."))
        else:
            await self.send_error("forbidden", self.lost_access_message())
        await self.close(code=code)

    async def relay_event(self, message: dict[str, Any]) -> None:
        if self.closing:
            return
        event = message["event"]
        kind = str(event.get("type", ""))
        if kind == realtime.SESSION_ENDED:
            if self.session and event.get("session") == self.session:
                await self.end(CLOSE_UNAUTHENTICATED)
            return
        if self.is_recheck(kind):
            await self.recheck()
            return
        if self.may_forward(event):
            await self.send_json(event)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closing:
            return
        await super().receive(text_data=text_data, bytes_data=bytes_data)


# Events a hub socket holds while it checks access again; past it, it closes (see below).
MAX_HELD_EVENTS = 500


class HubFollowingMixin:
    """A `FollowingConsumer` whose groups (its user's own included) come through the process's hub
    (`forum.core.hub`): one layer channel per process, not per socket, and every group's events in
    the order they were sent, so an access event is acted on before the events sent after it.

    The hub calls `deliver(event, text)` from its only receive loop: it forwards `text` as it is,
    and never waits on the database. An event that needs a re-check (`is_recheck`, an event
    `recheck_then_forward` names, this session's end) stops forwarding at once: what follows is
    held (at most `MAX_HELD_EVENTS`; past it the socket says `resync` and closes with 4013, and the
    client reconnects and resumes), the re-check runs in the socket's own task, then the held
    events go on in order, or the socket closes (4401/4403, after the `error` event). Any other
    re-check (the socket's timer, a frame) holds the events the same way while it runs, and events
    that come before the socket is accepted wait for it.
    """

    hub_ordered = True  # ask the hub to put `seq` events back in order (`Hub.subscribe(ordered=...)`)
    held: collections.deque | None = None  # not None: events wait here instead of being forwarded
    holds = 0  # re-checks (or the connect) under way that hold the events
    worker: asyncio.Task | None = None
    check_lock: asyncio.Lock | None = None

    def recheck_then_forward(self, event: dict[str, Any]) -> bool:
        """An event that is forwarded only after access was checked again (e.g. a thread moved)."""
        return False

    def needs_worker(self, event: dict[str, Any]) -> bool:
        kind = str(event.get("type", ""))
        if kind == realtime.SESSION_ENDED:
            return bool(self.session) and event.get("session") == self.session
        return self.is_recheck(kind) or self.recheck_then_forward(event)

    # --- groups through the hub --------------------------------------------------------------------

    async def move_to_groups(self) -> None:
        hub = get_hub()
        wanted = frozenset({self.user_group, *self.wanted_groups()})
        for group in sorted(wanted - self.joined):
            await hub.subscribe(group, self, ordered=self.hub_ordered)
            self.joined = self.joined | {group}
            if self.closing:  # closed meanwhile: disconnect may have run already
                await self.leave_hub()
                return
        for group in sorted(self.joined - wanted):
            await hub.unsubscribe(group, self)
            self.joined = self.joined - {group}

    async def leave_hub(self) -> None:
        hub = get_hub()
        joined, self.joined = self.joined, frozenset()
        for group in joined:
            await hub.unsubscribe(group, self)

    async def connect(self) -> None:
        self.hold()  # what comes before the socket is accepted waits for it
        opened = False
        try:
            await super().connect()
            opened = not self.closing and self.joined != frozenset()
        finally:
            self.unhold(opened)

    async def disconnect(self, code: int) -> None:
        self.closing = True
        self.held = None
        if self.timer is not None:
            self.timer.cancel()
        if self.worker is not None and self.worker is not asyncio.current_task():
            self.worker.cancel()
        await self.leave_hub()

    async def end(self, code: int) -> None:
        await super().end(code)
        await self.leave_hub()  # closed: nothing more for it (the client's disconnect may come late)

    # --- events from the hub -----------------------------------------------------------------------

    async def deliver(self, event: dict[str, Any], text: str) -> None:
        """One event (called by the hub, in the order the process received them: never waits on
        the database)."""
        if self.closing:
            return
        if self.held is None:
            if not self.needs_worker(event):
                if self.may_forward(event):
                    # The same `text` goes to every socket of the group: encoded and framed once.
                    await fastsend.send_text(self, text)
                return
            self.held = collections.deque()
        if len(self.held) >= MAX_HELD_EVENTS:
            await self.fell_behind()
            return
        self.held.append((event, text))
        if self.holds == 0:
            self.start_worker()

    async def relay_event(self, message: dict[str, Any]) -> None:
        # Nothing joins groups with the socket's own channel; a message sent to it goes the same way.
        await self.deliver(message["event"], serialise(message["event"]))

    async def fell_behind(self) -> None:
        self.closing = True
        self.held = None
        metrics.RESYNCS.labels(metrics.socket_kind(self.scope.get("path", ""))).inc()
        await self.send_json({"type": "resync", "last_seq": None})
        await self.close(code=CLOSE_TRY_AGAIN)
        await self.leave_hub()

    def start_worker(self) -> None:
        if self.worker is None or self.worker.done():
            self.worker = asyncio.ensure_future(self.work())

    async def work(self) -> None:
        """Hand on the held events in order, checking access again where one asks for it."""
        try:
            while not self.closing and self.held and self.holds == 0:  # another check under way: it restarts us
                event, text = self.held.popleft()
                kind = str(event.get("type", ""))
                if kind == realtime.SESSION_ENDED:
                    if self.session and event.get("session") == self.session:
                        await self.end(CLOSE_UNAUTHENTICATED)
                    continue
                if self.is_recheck(kind) or self.recheck_then_forward(event):
                    if not await self.recheck():
                        return
                    if not self.recheck_then_forward(event):
                        continue
                if self.may_forward(event):
                    await fastsend.send_text(self, text)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - e.g. the database is down: close, the client reconnects
            logger.exception("socket: handing on held events failed")
            self.closing = True
            self.held = None
            await self.close(code=CLOSE_TRY_AGAIN)
        finally:
            # No await between the last look at `held` and here: what the hub adds meanwhile is seen.
            if self.holds == 0 and not self.held:
                self.held = None

    # --- holding events while access is checked ---------------------------------------------------

    def hold(self) -> None:
        self.holds += 1
        if self.held is None:
            self.held = collections.deque()

    def unhold(self, still_open: bool) -> None:
        self.holds -= 1
        if self.holds or (self.worker is not None and not self.worker.done()):
            return  # the worker (or the other holder) hands them on
        if not still_open or self.closing:
            self.held = None
        elif self.held:
            self.start_worker()
        else:
            self.held = None

    async def recheck(self) -> bool:
        if self.check_lock is None:
            self.check_lock = asyncio.Lock()
        self.hold()
        still = False
        try:
            async with self.check_lock:  # one check at a time: an older answer never wins
                still = await super().recheck()
        finally:
            self.unhold(still)
        return still


class PingConsumer(FollowingConsumer):
    """`ws/ping/`: answers `{"type": "ping", "data": x}` with `{"type": "pong", "data": x}`.

    It exists so the whole socket path (origin check, session auth, routing) is tested end to end.
    Any signed-in user may use it; it closes when the session it was opened with ends.
    """

    async def receive_frame(self, frame: dict[str, Any]) -> None:
        if frame["type"] != "ping":
            await self.send_error("unknown_type", _("Unknown message type."))
            return
        await self.send_json({"type": "pong", "data": frame.get("data")})


class NotFoundConsumer(AsyncWebsocketConsumer):
    """The last route: a socket path nothing else answers is refused with 4404 (not a server error)."""

    async def connect(self) -> None:
        await self.close(code=CLOSE_NOT_FOUND)
