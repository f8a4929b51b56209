"""The live room socket, `ws/rooms/<session_id>/`. Protocol: docs/live-protocol.md, "Live rooms".

`RoomConsumer` follows its member's access (`forum.accounts.consumers.MemberConsumer`): checked at
connect (4401 not signed in, 4404 a session the user may not know, 4403 refused), on every write
(the services check), and again whenever it may have changed (`accounts.*` events to the user's
group: a mute, a removal, a suspension, sign-out; the room closing; an observer's access end), so
a removed participant is cut off and a muted one told (`you`) within a second.

Room events do not come to each socket through the channel layer: the process's hub
(`forum.core.hub`) joins the room's group once and hands every event, serialised once, to
`deliver`. A socket forwards events only after the client's `join`: it answers `join` with
`hello` (the room's latest `seq`, read with the replay), the stored events after the client's
`after_seq`, then the live events that arrived meanwhile and since, none twice, none missed.

Every client frame is validated (types and sizes) before any service runs; a bad one gets an
`error` with a stable code and changes nothing, and the socket stays usable.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import Http404
from django.utils.translation import gettext as _

from forum.accounts.consumers import MemberConsumer
from forum.core import conf, dbthreads, fastsend, metrics, realtime
from forum.core.consumers import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, RECHECK_HANDLER
from forum.core.hub import get_hub, serialise

from . import errors, events, permissions, selectors, services
from .errors import RoomError
from .models import LiveSession

logger = logging.getLogger(__name__)

# JSON nested deeper than this is refused (`invalid`): room frames are flat objects.
MAX_DEPTH = 3
# Live events kept while a `join` is being answered; past it the socket is told to `resync`.
MAX_BUFFERED = 2000
# Sequence numbers remembered to drop an event delivered twice.
REMEMBERED_SEQS = 1000
CLIENT_ID_MAX_CHARS = 64
# A `join` this soon after the socket was accepted uses the connect's access check (any change
# since then arrives as an `accounts.*` event, which checks again); a later one checks afresh.
FRESH_JOIN_SECONDS = 5.0
# People named in `hello` (the rest: `people` pages on demand, and `presence` deltas).
HELLO_PEOPLE = 50
PEOPLE_PAGE = 200


class Invalid(Exception):
    """A frame field of the wrong type or size (answered with `invalid`)."""


# --- Frame fields ------------------------------------------------------------------------------------

def _depth(value, limit: int) -> int:
    """How deeply `value` nests (stops counting past `limit`)."""
    stack, deepest = [(value, 1)], 0
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _int(frame, name, *, minimum=1, optional=False):
    value = frame.get(name)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise Invalid(_("“%(field)s” must be a whole number of at least %(minimum)d.")
                      % {"field": name, "minimum": minimum})
    return value


def _str(frame, name, *, optional=False, max_chars=None):
    value = frame.get(name)
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise Invalid(_("“%(field)s” must be a string.") % {"field": name})
    if max_chars is not None and len(value) > max_chars:
        raise Invalid(_("“%(field)s” is too long.") % {"field": name})
    return value


def _bool(frame, name, *, default):
    value = frame.get(name, default)
    if not isinstance(value, bool):
        raise Invalid(_("“%(field)s” must be true or false.") % {"field": name})
    return value


def _client_id(frame, *, required):
    value = frame.get("client_id")
    if value is None and not required:
        return None
    return _str(frame, "client_id", max_chars=CLIENT_ID_MAX_CHARS)


# Frames that change the room and are refused at once (`closed`) once the room closed.
PARTICIPANT_WRITES = frozenset({"send", "edit", "ask", "vote", "unvote"})


class RoomConsumer(MemberConsumer):
    session_id: int = 0
    user = None
    room: LiveSession | None = None
    you: dict | None = None
    told_you: dict | None = None
    person: dict | None = None
    moderator = False
    hub_groups: frozenset[str] = frozenset()
    # After `join`: live events are forwarded. While a join is answered they wait in `buffer`.
    live = False
    buffer: list | None = None
    # While access is checked again, room events wait here (dropped if access is gone).
    holding: list | None = None
    floor = 0  # events up to this seq were replayed (or are before the client's history)
    recent: deque | None = None
    recent_set: set | None = None
    accepted_at: float | None = None  # monotonic; cleared by the first join and by any re-check

    # --- access ------------------------------------------------------------------------------------

    def authorise(self, user) -> int | None:
        code = super().authorise(user)  # suspended, observer access over: 4403; schedules the next change
        if code:
            return code
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        room = LiveSession.objects.select_related("slow_mode_set_by").filter(pk=self.session_id).first()
        if room is None:
            return CLOSE_NOT_FOUND
        try:
            permissions.check_view_session(user, room)
        except Http404:
            return CLOSE_NOT_FOUND
        except PermissionDenied:
            return CLOSE_FORBIDDEN
        self.user, self.room = user, room
        ends = permissions.restriction_ends(user, room)  # a mute that ends: wake then, say `you`
        if ends is not None and (self.next_change_at is None or ends < self.next_change_at):
            self.next_change_at = ends
        self.you = permissions.you(user, room)
        self.moderator = permissions.can_moderate_session(user, room)
        self.person = events.author(user)
        return None

    def lost_access_message(self) -> str:
        return _("You can no longer take part in this session.")

    async def run_check(self) -> int | None:
        return await dbthreads.run(self.check)  # off channels' single thread: many sockets check at once

    async def accepted(self) -> None:
        self.accepted_at = time.monotonic()

    async def move_to_groups(self) -> None:
        """The user's own group through the layer; the room (and its moderators') through the hub."""
        await super().move_to_groups()
        hub = get_hub()
        room_group = events.room_group(self.session_id)
        wanted = {room_group}
        if self.moderator:
            wanted.add(events.moderators_group(self.session_id))
        for group in sorted(wanted - self.hub_groups):
            person = self.person if group == room_group else None
            await hub.subscribe(group, self, person, private=self.room.off_the_record)
        for group in sorted(self.hub_groups - wanted):
            await hub.unsubscribe(group, self)
        self.hub_groups = frozenset(wanted)
        if self.live and self.you != self.told_you:
            self.told_you = self.you
            await self.send_json({"type": "you", "you": self.you})

    async def recheck(self) -> bool:
        """Check access again (see `FollowingConsumer`); room events arriving meanwhile are held,
        then sent if access remains, so nothing reaches a user whose access just ended."""
        self.accepted_at = None
        if self.holding is not None:
            return await super().recheck()
        self.holding = []
        try:
            still = await super().recheck()
        finally:
            held, self.holding = self.holding, None
        if still:
            for event, text in held:
                await self.deliver(event, text)
        return still

    async def disconnect(self, code: int) -> None:
        self.closing = True
        hub = get_hub()
        for group in self.hub_groups:
            await hub.unsubscribe(group, self)
        self.hub_groups = frozenset()
        await super().disconnect(code)

    # --- events from the hub -----------------------------------------------------------------------

    async def deliver(self, event: dict[str, Any], text: str) -> None:
        """One room event, already serialised (called by the hub: never waits on the database)."""
        if self.closing:
            return
        if self.holding is not None:
            if len(self.holding) < MAX_BUFFERED:
                self.holding.append((event, text))
            return
        if self.buffer is not None:
            if len(self.buffer) >= MAX_BUFFERED:
                return  # the join's answer ends with `resync` (see join)
            self.buffer.append((event, text))
            return
        if self.live:
            await self.forward(event, text)

    async def forward(self, event: dict[str, Any], text: str) -> None:
        seq = event.get("seq")
        if isinstance(seq, int) and not isinstance(seq, bool):
            if seq <= self.floor or seq in self.recent_set:
                return  # replayed already, or delivered twice
            self.recent.append(seq)
            self.recent_set.add(seq)
            if len(self.recent) > REMEMBERED_SEQS:
                self.recent_set.discard(self.recent.popleft())
        self.follow_room(event)
        # The same `text` goes to every socket of the room: encoded and framed once (see fastsend).
        await fastsend.send_text(self, text)

    def follow_room(self, event: dict[str, Any]) -> None:
        """Keep what the socket knows of the room current (no query)."""
        kind = event.get("type")
        if kind == events.ROOM_STATE and self.room is not None:
            closed = event.get("state") == LiveSession.State.CLOSED and self.room.state != LiveSession.State.CLOSED
            self.room.state, self.room.read_only = event.get("state"), bool(event.get("read_only"))
            mode = event.get("mode")
            moved = mode in LiveSession.Mode.values and mode != self.room.mode
            if moved:
                self.room.mode = mode
            if "questions_held" in event:
                self.room.questions_held = bool(event["questions_held"])
            if closed or moved:
                # Observers' access ends with the session; a new mode changes what `you` may do (chat,
                # ask): check again, in turn with the socket's frames (a `you` follows if it changed).
                self.send_to_self({"type": RECHECK_HANDLER})
        elif kind == events.SLOW_MODE and self.room is not None:
            self.room.slow_mode_seconds = event.get("seconds") or 0

    # --- frames from the client --------------------------------------------------------------------

    async def receive_frame(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        handler = getattr(self, f"frame_{kind}", None) if kind in FRAME_TYPES else None
        if handler is None:
            await self.send_error("unknown_type", _("Unknown message type."))
            return
        client_id = frame.get("client_id") if isinstance(frame.get("client_id"), str) else None
        if _depth(frame, MAX_DEPTH) > MAX_DEPTH:
            await self.send_room_error(RoomError(errors.INVALID, _("This message is nested too deeply.")),
                                       client_id)
            return
        try:
            await handler(frame)
        except Invalid as exc:
            await self.send_room_error(RoomError(errors.INVALID, str(exc)), client_id)
        except RoomError as exc:
            await self.send_room_error(exc, client_id)
        except Http404:
            # The room itself is out of reach now (removed, suspended): check again, which closes
            # the socket when access is gone.
            if await self.recheck():
                await self.send_room_error(RoomError(errors.NOT_FOUND), client_id)
        except PermissionDenied as exc:
            await self.send_room_error(RoomError(errors.FORBIDDEN, str(exc) or None), client_id)
        except ValidationError as exc:
            await self.send_room_error(RoomError(errors.INVALID, " ".join(exc.messages)), client_id)
        except DatabaseError:
            logger.warning("live room %s: database error", self.session_id, exc_info=True)
            await self.send_room_error(RoomError(errors.UNAVAILABLE), client_id)

    async def send_error(self, code: str, message: str, **extra: Any) -> None:
        if code == "rate_limited" and not extra:
            # Over the socket's frame budget (`JsonConsumer`): the frame was dropped, unanswered.
            await self.send_json({"type": "rate_limited", "retry_after": max(1, math.ceil(
                1 / max(conf.FORUM_WS_FRAMES_PER_SECOND, 0.001)))})
            return
        await super().send_error(code, message, **extra)

    async def send_room_error(self, error: RoomError, client_id=None) -> None:
        await self.send_json(error.as_frame(client_id=client_id))

    async def frame_join(self, frame):
        after = frame.get("after_seq")
        if after is not None:
            after = _int(frame, "after_seq", minimum=0)
        fresh, self.accepted_at = self.accepted_at, None
        if fresh is None or time.monotonic() - fresh > FRESH_JOIN_SECONDS:
            if not await self.recheck():
                return  # access is gone: told and closed
        self.buffer = []
        try:
            state = await dbthreads.run(self.load_join, after)
        except BaseException:
            self.buffer = None
            raise
        await self.answer_join(after, state)

    def load_join(self, after: int | None) -> dict:
        """In a worker thread: the room now and the stored events after `after`."""
        room = LiveSession.objects.select_related("slow_mode_set_by").get(pk=self.session_id)
        replay = selectors.replay(session=room, after_seq=after) if after is None or after <= room.last_seq else None
        texts = None if replay is None else [serialise(payload) for payload in replay]
        if texts is not None and sum(len(text) for text in texts) * 2 > conf.FORUM_WS_SEND_BUFFER_MAX_BYTES:
            texts = None  # more than the connection may hold unread: the client loads history over HTTP
        return {"room": room, "replay": replay, "texts": texts}

    async def answer_join(self, after, state) -> None:
        room = state["room"]
        self.room = room
        replay, texts = state["replay"], state["texts"]
        floor = max([room.last_seq, *(payload["seq"] for payload in replay or ())])
        resync = texts is None or len(self.buffer) >= MAX_BUFFERED
        hub = get_hub()
        self.told_you = self.you
        await self.send_json({
            "type": "hello", "room": room.pk, "seq": floor, "you": self.you,
            "presence": hub.presence(events.room_group(room.pk), limit=HELLO_PEOPLE),
            "slow_mode": {"seconds": room.slow_mode_seconds, "reason": room.slow_mode_reason,
                          "set_by": (room.slow_mode_set_by.public_name
                                     if room.slow_mode_set_by is not None and room.slow_mode_seconds else None)},
            "state": room.state, "read_only": room.read_only, "mode": room.mode,
            "off_the_record": room.off_the_record,
            "questions_held": room.questions_held,
        })
        self.floor, self.recent, self.recent_set = floor, deque(), set()
        hub.note_seq(events.room_group(room.pk), room.last_seq)
        if resync:
            # Nothing live until the client has loaded the history and joins again with its seq.
            self.live, self.buffer = False, None
            metrics.RESYNCS.labels("rooms").inc()
            await self.send_json({"type": "resync", "seq": floor})
            return
        for text in texts:
            await self.send(text_data=text)
        self.live = True
        buffered, self.buffer = self.buffer, None
        for event, text in buffered:  # what arrived while the replay was read, newer than it
            await self.forward(event, text)

    async def frame_ping(self, frame):
        """`pong` with the room's latest seq as the hub knows it (no query); the database is asked
        only when the hub does not know (before any join, after a layer error)."""
        hub, group = get_hub(), events.room_group(self.session_id)
        seq = hub.last_seq(group)
        if seq is None:
            try:
                seq = await dbthreads.run(self.latest_seq)
            except DatabaseError:
                seq = None
            else:
                hub.note_seq(group, seq)
        await self.send_json({"type": "pong", "seq": seq})

    def latest_seq(self) -> int:
        return LiveSession.objects.filter(pk=self.session_id).values_list("last_seq", flat=True).first() or 0

    async def frame_people(self, frame):
        """A page of the people present, by name, from `offset` (what `hello` did not name)."""
        offset = _int(frame, "offset", minimum=0, optional=True) or 0
        page = get_hub().presence(events.room_group(self.session_id), offset=offset, limit=PEOPLE_PAGE)
        await self.send_json({"type": "people", "offset": offset, **page})

    async def frame_typing(self, frame):
        you = self.you or {}
        if self.room is not None and self.room.state == LiveSession.State.OPEN and (you.get("send") or you.get("ask")):
            get_hub().typing(events.room_group(self.session_id), {"id": self.person["id"],
                                                                  "name": self.person["name"]})

    # --- writes ------------------------------------------------------------------------------------

    async def write(self, kind: str, call, *, client_id=None, ack=None) -> None:
        """Run a service in a database thread as this socket's user, then acknowledge. The room's
        writes in this process queue on the hub's lock: each is stored and committed, and its
        broadcasts queued on the hub (`send_in_order`), before the next starts, so broadcasts leave
        in seq order while no write waits for the channel layer."""
        if kind in PARTICIPANT_WRITES and self.room is not None and self.room.state == LiveSession.State.CLOSED:
            raise RoomError(errors.CLOSED)

        broadcasts: list = []

        def run():
            with realtime.deferred_broadcasts(broadcasts):
                return call(self.user, self.room)  # the services read the user's sanctions afresh

        hub, group = get_hub(), events.room_group(self.session_id)
        async with hub.write_lock(group):
            try:
                result = await dbthreads.run(run)
            finally:
                # Queued in numbering order while the lock is held; sent by the hub's task, so the
                # next write need not wait for the channel layer.
                hub.send_in_order(group, broadcasts)
        frame = {"type": "ack", "client_id": client_id, "id": None, "seq": None}
        if ack is not None:
            frame.update(ack(result))
        await self.send_json(frame)

    async def frame_send(self, frame):
        client_id, body = _client_id(frame, required=True), _str(frame, "body")
        await self.write("send", lambda user, room: services.message_send(
            actor=user, session=room, client_id=client_id, body=body), client_id=client_id,
            ack=lambda result: {"id": result[0].pk, "seq": result[0].seq})

    async def frame_edit(self, frame):
        message_id, body = _int(frame, "id"), _str(frame, "body")
        await self.write("edit", lambda user, room: services.message_edit(
            actor=user, session=room, message_id=message_id, body=body),
            client_id=_client_id(frame, required=False), ack=lambda msg: {"id": msg.pk})

    async def frame_delete(self, frame):
        message_id, reason = _int(frame, "id"), _str(frame, "reason", optional=True, max_chars=200)
        await self.write("delete", lambda user, room: services.message_delete(
            actor=user, session=room, message_id=message_id, reason=reason),
            client_id=_client_id(frame, required=False), ack=lambda msg: {"id": msg.pk})

    async def frame_ask(self, frame):
        client_id, body = _client_id(frame, required=True), _str(frame, "body")
        await self.write("ask", lambda user, room: services.question_ask(
            actor=user, session=room, client_id=client_id, body=body), client_id=client_id,
            ack=lambda result: {"id": result[0].pk, "seq": result[0].seq,
                                "held": result[0].state == result[0].State.HELD})

    async def _question_action(self, frame, kind, service, **extra):
        question_id = _int(frame, "question_id")
        await self.write(kind, lambda user, room: service(actor=user, session=room, question_id=question_id,
                                                          **extra),
                         client_id=_client_id(frame, required=False), ack=lambda question: {"id": question.pk})

    async def frame_vote(self, frame):
        await self._question_action(frame, "vote", services.question_vote)

    async def frame_unvote(self, frame):
        await self._question_action(frame, "unvote", services.question_unvote)

    async def frame_approve(self, frame):
        await self._question_action(frame, "approve", services.question_approve)

    async def frame_answer(self, frame):
        await self._question_action(frame, "answer", services.question_answer,
                                    answered=_bool(frame, "answered", default=True))

    async def frame_pin(self, frame):
        await self._question_action(frame, "pin", services.question_pin, pinned=True)

    async def frame_unpin(self, frame):
        await self._question_action(frame, "unpin", services.question_pin, pinned=False)

    async def frame_hide(self, frame):
        await self._question_action(frame, "hide", services.question_hide,
                                    reason=_str(frame, "reason", optional=True, max_chars=200))

    async def frame_merge(self, frame):
        await self._question_action(frame, "merge", services.question_merge, into_id=_int(frame, "into_id"))

    async def frame_slow_mode(self, frame):
        seconds, reason = _int(frame, "seconds", minimum=0), _str(frame, "reason", optional=True, max_chars=200)
        await self.write("slow_mode", lambda user, room: services.slow_mode_set(
            actor=user, session=room, seconds=seconds, reason=reason), client_id=_client_id(frame, required=False))

    async def frame_read_only(self, frame):
        read_only = _bool(frame, "read_only", default=None)
        reason = _str(frame, "reason", optional=True, max_chars=200)
        await self.write("read_only", lambda user, room: services.read_only_set(
            actor=user, session=room, read_only=read_only, reason=reason),
            client_id=_client_id(frame, required=False))

    async def frame_open(self, frame):
        await self.write("open", lambda user, room: services.session_open(actor=user, session=room),
                         client_id=_client_id(frame, required=False))

    async def frame_close(self, frame):
        await self.write("close", lambda user, room: services.session_close(actor=user, session=room),
                         client_id=_client_id(frame, required=False))

    def _participant(self, user_id):
        target = get_user_model().objects.filter(pk=user_id).first()
        if target is None:
            raise RoomError(errors.NOT_FOUND, _("No such participant."))
        return target

    async def frame_mute(self, frame):
        user_id, minutes = _int(frame, "user_id"), _int(frame, "minutes")
        reason = _str(frame, "reason", max_chars=200)
        await self.write("mute", lambda user, room: services.participant_mute(
            actor=user, session=room, user=self._participant(user_id), minutes=minutes, reason=reason),
            client_id=_client_id(frame, required=False), ack=lambda restriction: {"id": restriction.pk})

    async def frame_remove(self, frame):
        user_id, minutes = _int(frame, "user_id"), _int(frame, "minutes", optional=True)
        reason = _str(frame, "reason", max_chars=200)
        await self.write("remove", lambda user, room: services.participant_remove(
            actor=user, session=room, user=self._participant(user_id), minutes=minutes, reason=reason),
            client_id=_client_id(frame, required=False), ack=lambda restriction: {"id": restriction.pk})


FRAME_TYPES = frozenset({
    "join", "ping", "people", "typing", "send", "edit", "delete", "ask", "vote", "unvote",
    "approve", "answer", "pin", "unpin", "hide", "merge", "slow_mode", "read_only", "open", "close",
    "mute", "remove",
})
