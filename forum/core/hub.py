"""The process-local fan-out hub: a busy group costs one channel per process, not one per socket.

A socket that wants a group's broadcasts (a live room, a thread page, a list page, the member's own
group) does not join the group on the channel layer itself. It asks this process's hub (`get_hub()`,
one per event loop, i.e. per daphne process): `await hub.subscribe(group, consumer, person)`. The
hub has ONE channel of its own (`layer.new_channel()`, once) and ONE receive task for all its
groups: the first local subscriber of a group makes the hub join the group with that channel
(`group_add(group, hub.channel)`). Every message names its group (`{"type": "relay.event",
"group": ..., "event": {...}}`, what `forum.core.realtime.broadcast` sends; the hub's own presence
and typing messages too), and the receive loop hands it to that group's entry; a message the hub
cannot place (no group, or a group nobody here holds any more) is logged and dropped. Each event is
serialised to JSON ONCE and handed, in arrival order, to every local subscriber:
`await consumer.deliver(event, text)`. `deliver` must be quick (it writes a frame; it never waits on
the database), since the process's next event, whatever its group, waits for it.

One channel for every group also keeps order across groups: a writer's events to two groups (an
access change to `user.<id>`, then a post to the thread) reach this process in the order they were
sent, so a socket acts on the first before it is handed the second. (A channel per group would
need a receive task per group; with channels-redis, N receives on N channels of one process share
one lock and every message wakes them all: connecting 1,000 sockets took minutes.)

The hub keeps its memberships alive: it joins all its groups again every `refresh_seconds`, in
one pass (a Redis restart or flush loses groups; the in-memory layer drops a member whose queue
expired; channels-redis forgets members after `group_expiry`), and after any layer error (one
channel: an error touches every group) it waits (backing off to 5 s) and joins every group again
instead of crashing; events sent while the layer was down are lost here, and clients heal
that by sequence number (`pong` carries the latest; a gap makes them `join` again).

Order across processes: every process numbers its writes to a room in the database, but two
processes hand their broadcasts to the layer independently, so a group's events can reach a hub
out of order (11 before 10). In a group whose subscribers asked for it (`subscribe(...,
ordered=True)`, the default: live rooms; page sockets pass `ordered=False` while thread events
carry post ids as `seq`), the hub puts the events that carry an integer `seq` back in order
before fan-out: the next number is delivered at once, a later one waits (at most `reorder_wait`
seconds, at most `reorder_max` of them) for the missing ones; when the wait runs out it delivers
what it holds, in order, past the gap (counted in `madaniya_hub_reorder_total{outcome="gave_up"}`
and logged; clients heal a real gap by joining again, as before). A number already delivered is
dropped (`duplicate`); one that comes after its turn was given up, or below the first number this
hub delivered, is passed on at once (`late`): sockets drop what they already hold. The first
number is learnt from `note_seq` (a socket's join read the room's latest from the database) or,
when nothing is known (just subscribed; after a layer error), by holding the first event for the
wait and starting from the lowest one that came. Events without `seq` (and every event of an
unordered group) pass straight through.

Timers: one ticker per hub, every `tick_seconds`, visits only the groups with timer work (people
present here or elsewhere, typing, presence to tell); a plain group (a member's own group, a thread
page's) costs nothing per tick. Held events have a timer of their own (`call_later`).

Overload: the hub's channel receives every group's events for the process, so its capacity is set
high (`specific.*` in `CHANNEL_LAYERS`, settings). A send the layer refuses (`ChannelFull`) is
logged and counted (`madaniya_channel_full_total{where}`), never dropped quietly; channels-redis
itself only logs the members of a group send that were full, and `count_layer_overload` counts
those log records too.

Presence across processes: subscribers give a `person` dict (`{"id", "name", ...}`). Each hub
sends its local roster of people (several sockets of one person count once) to the group every
`heartbeat_seconds` and shortly after it changes (`hub.presence` messages, which only hubs
receive), merges the rosters of every process (forgetting one silent for `expiry_factor`
heartbeats), and tells its sockets at most once per `presence_interval` what changed: an
unsequenced `{"type": "presence", "count", "joined": [person, ...], "left": [person, ...]}`;
in a private group (an off-the-record room; the consumer says so) only `{"type": "presence",
"count"}`. `hub.typing(group, person)` is coalesced: at most one `hub.typing` per group and
process per `typing_interval`, naming up to `typing_max_names` people, which every hub hands on as
`{"type": "typing", "people": [{"id", "name"}, ...]}` (private: `{"type": "typing", "count"}`).

Counts for pages: a page (the "live now" list) runs in no hub, so each hub also writes its merged
count of people (every process's roster, one person once however many sockets or processes) to the
cache (`presence_count_key(group)`, Redis in production), when it changes and at every heartbeat,
expiring after `expiry_factor` heartbeats. All hubs of a group write the same merged number; the
last local subscriber out writes what remains of the other processes' rosters (or deletes the key).
`presence_counts(groups)` reads them (one cache round trip); a group nobody refreshes disappears.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import time
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Any, Protocol

from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer
from django.core.cache import cache

from . import metrics
from .realtime import RELAY_HANDLER, channel_full, relay_message

logger = logging.getLogger(__name__)

PRESENCE_HANDLER = "hub.presence"
TYPING_HANDLER = "hub.typing"


class Subscriber(Protocol):
    async def deliver(self, event: dict[str, Any], text: str) -> None: ...


def serialise(event: dict[str, Any]) -> str:
    """The text frame of an event (the same form `JsonConsumer.send_json` writes)."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


@dataclass(eq=False)
class _Group:
    name: str
    # Local subscribers in the order they came, with the person each one is (or None).
    subscribers: dict[Any, dict | None] = field(default_factory=dict)
    # The subscribers that asked for `seq` order (`subscribe(..., ordered=True)`); none: unordered.
    ordering: set = field(default_factory=set)
    joined_at: float | None = None  # monotonic time of the last successful group_add; None: not joined
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    private: bool = False
    # Presence: what other processes said (hub id -> (people by id, forget at)), what the sockets
    # were told last, and when this hub last sent its own roster.
    remote: dict[str, tuple[dict[str, dict], float]] = field(default_factory=dict)
    told: dict[str, dict] | None = None
    told_at: float = 0.0
    presence_dirty: bool = False
    roster_changed_at: float | None = None
    heartbeat_at: float = 0.0
    typing: dict[str, dict] = field(default_factory=dict)  # named (up to typing_max_names)
    typing_others: set[str] = field(default_factory=set)  # counted only
    typing_at: float = 0.0
    counted: int | None = None  # the count last written to the cache, and when
    counted_at: float = 0.0
    # The highest `seq` relayed (or noted by a socket that read it from the database); None: not
    # known yet, or not since a layer error (events may have been missed), until a socket notes it.
    last_seq: int | None = None
    # The merged roster sorted by name, kept until it changes (`presence` pages read it per join).
    sorted_people: list[dict] | None = None
    # Held around each of this process's writes to the group (see `write_lock`).
    writing: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Reordering (see the module docstring): the next `seq` to deliver (None: not known), the events
    # that came early (seq -> (event, text, monotonic arrival)), the recently delivered numbers, the
    # timer that gives up waiting, and one delivery of sequenced events at a time.
    next_seq: int | None = None
    held: dict[int, tuple[dict, str, float]] = field(default_factory=dict)
    delivered: collections.deque = field(default_factory=collections.deque)
    delivered_set: set[int] = field(default_factory=set)
    timer: asyncio.TimerHandle | None = None
    releasing: asyncio.Task | None = None
    delivering: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def ordered(self) -> bool:
        return bool(self.ordering)

    @property
    def has_timer_work(self) -> bool:
        return self.tracks_presence or bool(self.typing) or self.presence_dirty

    @property
    def tracks_presence(self) -> bool:
        return any(person is not None for person in self.subscribers.values()) or bool(self.remote)

    def local_people(self) -> dict[str, dict]:
        people: dict[str, dict] = {}
        for person in self.subscribers.values():
            if person is not None:
                people.setdefault(str(person["id"]), person)
        return people

    def people(self) -> dict[str, dict]:
        merged: dict[str, dict] = {}
        for people, _expires in self.remote.values():
            merged.update(people)
        merged.update(self.local_people())
        return merged


class Hub:
    """Fan-out of a channel layer's groups to this event loop's sockets (see the module docstring)."""

    heartbeat_seconds = 5.0
    heartbeat_debounce = 0.3
    expiry_factor = 3
    presence_interval = 1.0
    typing_interval = 2.0
    typing_max_names = 5
    refresh_seconds = 30.0
    tick_seconds = 0.1
    ready_timeout = 5.0
    max_backoff = 5.0
    reorder_wait = 1.0  # seconds an early event waits for the numbers before it (the browser waits as long)
    reorder_max = 256  # events held per group at most; past it, the oldest gap is given up at once
    remembered_seqs = 1024  # delivered numbers remembered per group to drop repeats

    def __init__(self, layer=None):
        self.layer = layer if layer is not None else get_channel_layer()
        self.id = uuid.uuid4().hex
        self.groups: dict[str, _Group] = {}
        # The hub's one channel (made once, on first use), the task that reads it, and the ticker.
        self.channel: str | None = None
        self.channel_ready = asyncio.Event()
        self.receiver: asyncio.Task | None = None
        self.ticker: asyncio.Task | None = None
        # The groups with timer work (see `_Group.has_timer_work`), the groups whose join failed or
        # was lost (a layer error: joined again by the receive loop or the ticker), and when
        # the memberships were last refreshed.
        self.busy: set[_Group] = set()
        self.missing: set[_Group] = set()
        self.retry_at = 0.0
        self.retry_backoff = 0.1
        self.refreshed_at = time.monotonic()
        # Broadcasts waiting to be handed to the layer, one FIFO per writer's group (`send_in_order`).
        self.outboxes: dict[str, collections.deque] = {}
        self.drainers: dict[str, asyncio.Task] = {}
        # The sockets' `layer_lost` closes under way (held here: the loop keeps only weak references).
        self.notices: set[asyncio.Task] = set()

    # --- what consumers call -----------------------------------------------------------------------

    async def subscribe(self, group: str, consumer: Subscriber, person: dict | None = None, *,
                        private: bool | None = None, ordered: bool = True) -> None:
        """Hand `group`'s broadcasts to `consumer` from now on; `person` counts in its presence.
        `ordered`: this subscriber wants the group's events put back in `seq` order (a group is
        reordered while at least one of its subscribers asked for it).

        Returns once the hub's channel is in the group (or after `ready_timeout` when the layer
        is down: events sent before it recovers are then missed, and clients heal by seq)."""
        entry = self.groups.get(group)
        new = entry is None
        if new:
            entry = self.groups[group] = _Group(name=group)
        if private is not None:
            entry.private = private
        entry.subscribers[consumer] = person
        if ordered:
            entry.ordering.add(consumer)
        else:
            entry.ordering.discard(consumer)
        if person is not None:
            self._roster_changed(entry)
        self._ensure_tasks()
        if new:
            await self._join_new(entry)
        if not entry.ready.is_set():
            try:
                await asyncio.wait_for(asyncio.shield(entry.ready.wait()), self.ready_timeout)
            except TimeoutError:
                logger.warning("hub: %s not joined yet; going on", group)

    async def unsubscribe(self, group: str, consumer: Subscriber) -> None:
        """Stop handing `group` to `consumer`; the last one out makes the hub leave the group."""
        entry = self.groups.get(group)
        if entry is None or consumer not in entry.subscribers:
            return
        person = entry.subscribers.pop(consumer)
        entry.ordering.discard(consumer)
        if person is not None:
            self._roster_changed(entry)
        if entry.subscribers:
            return
        del self.groups[group]
        self.busy.discard(entry)
        self.missing.discard(entry)
        if entry.timer is not None:
            entry.timer.cancel()
        tasks = [entry.releasing]
        if not self.groups:
            tasks += [self.receiver, self.ticker]
            self.receiver = self.ticker = None
        await _stop(tasks)
        try:
            if entry.heartbeat_at:
                # Gone from here: the other processes forget this roster now, not when it expires.
                await asyncio.wait_for(self._send_roster(entry, {}), 2)
            if self.channel and entry.joined_at is not None:
                await asyncio.wait_for(self.layer.group_discard(group, self.channel), 2)
        except Exception:  # noqa: BLE001 - the layer may be down; the membership expires anyway
            logger.info("hub: leaving %s failed", group, exc_info=True)
        if entry.counted is not None:
            # What the other processes still hold (they write it again soon; nobody: the key goes).
            try:
                await asyncio.wait_for(asyncio.to_thread(
                    _write_count, group, len(entry.people()), self.heartbeat_seconds * self.expiry_factor), 2)
            except Exception:  # noqa: BLE001 - the cache may be down; the count expires anyway
                logger.info("hub: clearing the count of %s failed", group, exc_info=True)

    def set_private(self, group: str, private: bool) -> None:
        """Off the record: presence and typing events carry counts, never people."""
        entry = self.groups.get(group)
        if entry is not None and entry.private != private:
            entry.private = private
            entry.told = None  # tell the whole state again, in the new form
            entry.presence_dirty = True
            self.busy.add(entry)

    def presence(self, group: str, *, offset: int = 0, limit: int | None = None) -> dict[str, Any]:
        """The group's presence now: `{"count", "people"}` (`{"count"}` when private), people sorted
        by name. With `limit`, one page of them from `offset`, and `"more"`: how many follow it (so
        that a join into a full room costs a page, not the whole roster)."""
        entry = self.groups.get(group)
        if entry is None:
            return {"count": 0, "people": []} if limit is None else {"count": 0, "people": [], "more": 0}
        if entry.sorted_people is None:
            entry.sorted_people = sorted(entry.people().values(), key=lambda p: str(p.get("name", "")))
        people = entry.sorted_people
        if entry.private:
            return {"count": len(people)}
        if limit is None:
            return {"count": len(people), "people": list(people)}
        page = people[offset:offset + limit]
        return {"count": len(people), "people": page, "more": max(0, len(people) - offset - len(page))}

    def typing(self, group: str, person: dict) -> None:
        """`person` is typing in `group`: told to the group's sockets in every process, coalesced."""
        entry = self.groups.get(group)
        if entry is None:
            return
        key = str(person["id"])
        if key in entry.typing:
            return
        self.busy.add(entry)
        if len(entry.typing) < self.typing_max_names:
            entry.typing[key] = {"id": person["id"], "name": person.get("name", "")}
        else:
            entry.typing_others.add(key)

    def last_seq(self, group: str) -> int | None:
        """The group's latest sequence number as this hub knows it (no query), or None when it may
        have missed events (after a layer error): the caller reads it and `note_seq`s it."""
        entry = self.groups.get(group)
        return entry.last_seq if entry is not None else None

    def note_seq(self, group: str, seq: int) -> None:
        """A socket read the group's latest `seq` (a join's replay, a ping after trouble)."""
        entry = self.groups.get(group)
        if entry is not None:
            entry.last_seq = max(entry.last_seq or 0, seq)
            if entry.next_seq is None:
                # The first number to deliver is the next one; anything at or below `seq` still on
                # its way is passed on (sockets that joined earlier may need it).
                entry.next_seq = seq + 1
                if entry.held:
                    self._release_soon(entry)

    def write_lock(self, group: str) -> asyncio.Lock:
        """The lock a subscriber holds around a write that broadcasts to `group` (store, commit,
        send): this process's writes to one group then leave in the order they were numbered,
        even when they run on several database threads. A group nobody here subscribes to gets a
        lock of its own (nothing to keep in order with)."""
        entry = self.groups.get(group)
        return entry.writing if entry is not None else asyncio.Lock()

    def send_in_order(self, key: str, messages: list[tuple[str, dict[str, Any]]]) -> None:
        """Hand `messages` ((group, event) pairs) to the channel layer after every message queued
        earlier under `key`, one at a time, from a task of this loop. A writer holding
        `write_lock(key)` queues its broadcasts and lets the lock go at once: the next write does
        not wait for the layer (nor for the loop, busy fanning out the previous event), and the
        broadcasts still leave in the order the writes were numbered."""
        if not messages:
            return
        box = self.outboxes.get(key)
        if box is not None:
            box.extend(messages)
            return
        box = self.outboxes[key] = collections.deque(messages)
        self.drainers[key] = asyncio.ensure_future(self._drain(key, box))

    async def _drain(self, key: str, box: collections.deque) -> None:
        try:
            while box:
                group, event = box.popleft()
                try:
                    await self.layer.group_send(group, relay_message(group, event))
                except ChannelFull:
                    channel_full("hub", group)
                except Exception:  # noqa: BLE001 - a broken layer must not stop the events after it
                    logger.exception("hub: broadcast to %s failed", group)
        finally:
            # No await between the last check of `box` and here: a message queued meanwhile found
            # the box and was drained above.
            self.outboxes.pop(key, None)
            self.drainers.pop(key, None)

    def subscriber_count(self, group: str) -> int:
        entry = self.groups.get(group)
        return len(entry.subscribers) if entry is not None else 0

    # --- the hub's one channel and its receive loop ---------------------------------------------------

    def _ensure_tasks(self) -> None:
        if self.receiver is None or self.receiver.done():
            self.receiver = asyncio.ensure_future(self._receive_loop())
        if self.ticker is None or self.ticker.done():
            self.ticker = asyncio.ensure_future(self._tick_loop())

    async def _join_new(self, entry: _Group) -> None:
        """Join a group just subscribed to (the receive loop or the ticker retry when it fails)."""
        try:
            if not self.channel_ready.is_set():
                await asyncio.wait_for(asyncio.shield(self.channel_ready.wait()), self.ready_timeout)
            if entry.joined_at is None and self.groups.get(entry.name) is entry:
                await self._join(entry)
        except Exception:  # noqa: BLE001 - the layer is down: the ticker or the receive loop joins later
            logger.warning("hub: joining %s failed; retrying", entry.name, exc_info=True)
            if self.groups.get(entry.name) is entry and entry.joined_at is None:
                self.missing.add(entry)

    async def _receive_loop(self) -> None:
        backoff = 0.1
        # A loop that is no longer the hub's (its last group left from inside it) ends here.
        while self.receiver is asyncio.current_task():
            try:
                if self.channel is None:
                    self.channel = await self.layer.new_channel()
                self.channel_ready.set()
                if self.missing:
                    await self._join_missing()
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - Redis restarting, a network blip: wait and join again
                if _cancelled():
                    raise asyncio.CancelledError from None  # a cancel the client turned into an error
                logger.warning("hub: channel layer error; retrying in %.1f s", backoff, exc_info=True)
                self._lost_everything()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            backoff = 0.1
            try:
                await self._dispatch(message)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - one bad message must not stop the process's events
                logger.exception("hub: could not handle a message for %s", message.get("group"))

    def _lost_everything(self) -> None:
        """A layer error on the hub's channel: every group may have lost events and its membership.
        Every subscriber that can (`layer_lost`, the sockets) is told at once: a socket closes with
        4013 and its client reconnects and catches up from the database, which holds everything a
        writer committed (a room joins from its last seq, a thread page resumes). Waiting for the
        next event's number to show a gap is not enough: a `pong` answered from a number noted while
        the layer was down would never show one."""
        for entry in self.groups.values():
            entry.joined_at = None
            self.missing.add(entry)
            entry.last_seq = None  # events may be lost meanwhile: ask the database again
            entry.next_seq = None  # and start the order again from what comes (or is noted)
            if entry.held:
                self._release_soon(entry, flush=True)  # what waited for a lost number: hand it on
        for consumer in {consumer for entry in self.groups.values() for consumer in entry.subscribers}:
            layer_lost = getattr(consumer, "layer_lost", None)
            if layer_lost is not None:
                notice = asyncio.ensure_future(layer_lost())
                self.notices.add(notice)
                notice.add_done_callback(self.notices.discard)

    async def _join_missing(self) -> None:
        """Join every group not joined yet (raises on a layer error: the caller retries)."""
        while self.missing:
            entry = next(iter(self.missing))
            if self.groups.get(entry.name) is not entry:
                self.missing.discard(entry)
                continue
            await self._join(entry)

    async def _join(self, entry: _Group) -> None:
        await self.layer.group_add(entry.name, self.channel)
        self.missing.discard(entry)
        first = not entry.ready.is_set()
        entry.joined_at = time.monotonic()
        entry.ready.set()
        if not first and entry.tracks_presence:
            entry.roster_changed_at = 0.0  # (re)joined after trouble: the others may have forgotten us
            self.busy.add(entry)

    async def _dispatch(self, message: dict[str, Any]) -> None:
        """Hand a message of the hub's channel to the group it names."""
        group = message.get("group")
        entry = self.groups.get(group) if isinstance(group, str) else None
        if entry is None:
            if not isinstance(group, str):
                logger.warning("hub: a %r message names no group: dropped", message.get("type"))
            else:  # the last local subscriber left while it was on its way
                logger.debug("hub: a message for %s, which nobody here follows now: dropped", group)
            return
        await self._handle(entry, message)

    async def _handle(self, entry: _Group, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == RELAY_HANDLER:
            event = message["event"]
            seq = event.get("seq")
            if entry.ordered and isinstance(seq, int) and not isinstance(seq, bool):
                await self._sequenced(entry, seq, event, serialise(event))
            else:
                await self._deliver(entry, event, serialise(event))
        elif kind == PRESENCE_HANDLER:
            if message.get("hub") == self.id:
                return
            people = {str(person["id"]): person for person in message.get("people", [])}
            if people and message["hub"] not in entry.remote and entry.local_people():
                entry.roster_changed_at = time.monotonic()  # a new process: let it know us soon
            if people:
                interval = float(message.get("interval") or self.heartbeat_seconds)
                entry.remote[message["hub"]] = (people, time.monotonic() + interval * self.expiry_factor)
            else:
                entry.remote.pop(message.get("hub"), None)
            entry.presence_dirty = True
            entry.sorted_people = None
            self.busy.add(entry)
        elif kind == TYPING_HANDLER:
            people = list(message.get("people", []))
            count = int(message.get("count", len(people)))
            if entry.private:
                event = {"type": "typing", "count": count}
            else:
                event = {"type": "typing", "people": people, "count": count}
            await self._deliver(entry, event, serialise(event))

    # --- putting sequenced events back in order ---------------------------------------------------

    async def _sequenced(self, entry: _Group, seq: int, event: dict[str, Any], text: str) -> None:
        """An event with a number: deliver it in order (see the module docstring)."""
        async with entry.delivering:
            if seq in entry.delivered_set or seq in entry.held:
                metrics.HUB_REORDER.labels("duplicate").inc()
                return
            now = time.monotonic()
            if entry.next_seq is not None and seq < entry.next_seq:
                metrics.HUB_REORDER.labels("late").inc()
                ready = [(seq, event, text)]
            else:
                if entry.next_seq is None or seq > entry.next_seq:
                    metrics.HUB_REORDER.labels("held").inc()
                entry.held[seq] = (event, text, now)
                ready = self._take_ready(entry, now)
            await self._deliver_in_order(entry, ready)
            self._schedule_release(entry)

    def _take_ready(self, entry: _Group, now: float, *, flush: bool = False) -> list[tuple[int, dict, str]]:
        """Take from `held` what may go now, in order: the numbers that follow on, and past a gap
        whose wait ran out (or the buffer is full, or `flush`), what comes after it."""
        ready: list[tuple[int, dict, str]] = []
        held = entry.held
        while held:
            if entry.next_seq is not None:
                for seq in sorted(seq for seq in held if seq < entry.next_seq):  # noted past them meanwhile
                    metrics.HUB_REORDER.labels("late").inc()
                    event, text, _arrived = held.pop(seq)
                    ready.append((seq, event, text))
                while entry.next_seq in held:
                    event, text, _arrived = held.pop(entry.next_seq)
                    ready.append((entry.next_seq, event, text))
                    entry.next_seq += 1
                if not held:
                    break
            oldest = min(arrived for _event, _text, arrived in held.values())
            if not (flush or len(held) > self.reorder_max or now - oldest >= self.reorder_wait):
                break
            lowest = min(held)
            if entry.next_seq is not None:
                metrics.HUB_REORDER.labels("gave_up").inc()
                logger.warning("hub: %s: gave up waiting for seq %d-%d; delivering from %d",
                               entry.name, entry.next_seq, lowest - 1, lowest)
            entry.next_seq = lowest
        return ready

    async def _deliver_in_order(self, entry: _Group, ready: list[tuple[int, dict, str]]) -> None:
        for seq, event, text in ready:
            entry.delivered.append(seq)
            entry.delivered_set.add(seq)
            if len(entry.delivered) > self.remembered_seqs:
                entry.delivered_set.discard(entry.delivered.popleft())
            if entry.last_seq is not None:
                entry.last_seq = max(entry.last_seq, seq)
            await self._deliver(entry, event, text)

    def _schedule_release(self, entry: _Group) -> None:
        """Wake when the oldest held event's wait runs out."""
        if entry.timer is not None:
            entry.timer.cancel()
            entry.timer = None
        if entry.held and self.groups.get(entry.name) is entry:
            oldest = min(arrived for _event, _text, arrived in entry.held.values())
            delay = max(0.0, oldest + self.reorder_wait - time.monotonic())
            entry.timer = asyncio.get_running_loop().call_later(delay, self._release_soon, entry)

    def _release_soon(self, entry: _Group, *, flush: bool = False) -> None:
        if entry.timer is not None:
            entry.timer.cancel()  # (a no-op when the timer itself called)
            entry.timer = None
        if self.groups.get(entry.name) is entry:
            entry.releasing = asyncio.ensure_future(self._release(entry, flush=flush))

    async def _release(self, entry: _Group, *, flush: bool = False) -> None:
        async with entry.delivering:
            ready = self._take_ready(entry, time.monotonic(), flush=flush)
            try:
                await self._deliver_in_order(entry, ready)
            finally:
                self._schedule_release(entry)

    async def _deliver(self, entry: _Group, event: dict[str, Any], text: str) -> None:
        started = time.monotonic()
        for consumer in list(entry.subscribers):
            if consumer not in entry.subscribers:
                continue  # left while an earlier socket was being written to
            try:
                await consumer.deliver(event, text)
            except Exception:  # noqa: BLE001 - one broken socket must not cost the others the event
                logger.exception("hub: delivering to %r failed", consumer)
        metrics.FANOUT_SECONDS.observe(time.monotonic() - started)

    # --- timers: memberships, heartbeats, presence and typing ---------------------------------------

    def _roster_changed(self, entry: _Group) -> None:
        entry.roster_changed_at = time.monotonic()
        entry.presence_dirty = True
        entry.sorted_people = None
        self.busy.add(entry)

    async def _tick_loop(self) -> None:
        while self.groups and self.ticker is asyncio.current_task():
            await asyncio.sleep(self.tick_seconds)
            now = time.monotonic()
            try:
                if now - self.refreshed_at >= self.refresh_seconds:
                    self.refreshed_at = now
                    await self._refresh()
                if self.missing and self.channel_ready.is_set() and now >= self.retry_at:
                    await self._join_missing()
                    self.retry_backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the layer is down: try again later
                if _cancelled():
                    raise asyncio.CancelledError from None
                logger.info("hub: joining groups failed", exc_info=True)
                self.retry_at = time.monotonic() + self.retry_backoff
                self.retry_backoff = min(self.retry_backoff * 2, self.max_backoff)
            for entry in list(self.busy):
                if self.groups.get(entry.name) is not entry:
                    self.busy.discard(entry)
                    continue
                try:
                    await self._tick(entry)
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - the receive loop notices a broken layer too
                    logger.info("hub: timer work on %s failed", entry.name, exc_info=True)
                if not entry.has_timer_work:
                    self.busy.discard(entry)

    async def _refresh(self) -> None:
        """Every joined group again, in one pass (memberships expire; Redis may have lost them)."""
        for entry in list(self.groups.values()):
            if entry.joined_at is not None and self.groups.get(entry.name) is entry:
                try:
                    await self.layer.group_add(entry.name, self.channel)
                except Exception:
                    entry.joined_at = None
                    self.missing.add(entry)
                    raise
                entry.joined_at = time.monotonic()

    async def _tick(self, entry: _Group) -> None:
        now = time.monotonic()
        if entry.joined_at is None:
            return
        # Presence: our roster to the others (periodically, and shortly after it changed).
        changed = entry.roster_changed_at is not None and now - entry.roster_changed_at >= self.heartbeat_debounce
        if entry.tracks_presence and (changed or now - entry.heartbeat_at >= self.heartbeat_seconds):
            entry.roster_changed_at = None
            entry.heartbeat_at = now
            await self._send_roster(entry, entry.local_people())
        for hub_id, (_people, expires) in list(entry.remote.items()):
            if expires <= now:
                del entry.remote[hub_id]
                entry.presence_dirty = True
                entry.sorted_people = None
        if entry.tracks_presence and (entry.presence_dirty or now - entry.counted_at >= self.heartbeat_seconds):
            await self._publish_count(entry, now)
        if entry.presence_dirty and now - entry.told_at >= self.presence_interval:
            await self._tell_presence(entry, now)
        if entry.typing and now - entry.typing_at >= self.typing_interval:
            people, count = list(entry.typing.values()), len(entry.typing) + len(entry.typing_others)
            entry.typing, entry.typing_others, entry.typing_at = {}, set(), now
            await self._group_send(entry, {"type": TYPING_HANDLER, "hub": self.id, "people": people,
                                           "count": count})

    async def _group_send(self, entry: _Group, message: dict[str, Any]) -> None:
        """One of the hub's own messages to its group (naming it: hubs place messages by group)."""
        try:
            await self.layer.group_send(entry.name, {**message, "group": entry.name})
        except ChannelFull:
            channel_full("hub", entry.name)

    async def _send_roster(self, entry: _Group, people: dict[str, dict]) -> None:
        await self._group_send(entry, {"type": PRESENCE_HANDLER, "hub": self.id,
                                       "people": list(people.values()),
                                       "interval": self.heartbeat_seconds})

    async def _publish_count(self, entry: _Group, now: float) -> None:
        """The merged count to the cache for the pages: when it changed, and each heartbeat."""
        count = len(entry.people())
        if count == entry.counted and now - entry.counted_at < self.heartbeat_seconds:
            return
        timeout = self.heartbeat_seconds * self.expiry_factor
        await asyncio.to_thread(_write_count, entry.name, count, timeout)  # never block the loop on Redis
        entry.counted, entry.counted_at = count, now

    async def _tell_presence(self, entry: _Group, now: float) -> None:
        entry.presence_dirty = False
        people = entry.people()
        told = entry.told
        entry.told, entry.told_at = people, now
        if told is not None and told.keys() == people.keys():
            return
        if entry.private:
            event = {"type": "presence", "count": len(people)}
        else:
            told = told or {}
            event = {"type": "presence", "count": len(people),
                     "joined": [people[key] for key in people.keys() - told.keys()],
                     "left": [told[key] for key in told.keys() - people.keys()]}
        await self._deliver(entry, event, serialise(event))


def _cancelled() -> bool:
    """The current task was asked to stop (a Redis client may turn that into a connection or
    timeout error: a loop that retried on it would never end, nor would the event loop's close)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def _stop(tasks) -> None:
    """Cancel the hub's tasks and let them finish (a channels-redis receive must leave its lock
    before the event loop ends, or the next loop to use the layer finds it taken)."""
    current = asyncio.current_task()
    tasks = [task for task in tasks if task is not None and task is not current]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=5)


def presence_count_key(group: str) -> str:
    return f"hub.presence.count:{group}"


def _write_count(group: str, count: int, timeout: float) -> None:
    if count:
        cache.set(presence_count_key(group), count, timeout=max(1, round(timeout)))
    else:
        cache.delete(presence_count_key(group))


def presence_counts(groups) -> dict[str, int]:
    """{group: people present in it across every process}, as the hubs last wrote it to the cache;
    a group with nobody (or whose hubs stopped refreshing) is left out. One cache round trip."""
    keys = {presence_count_key(group): group for group in groups}
    found = cache.get_many(list(keys)) if keys else {}
    return {keys[key]: int(value) for key, value in found.items()}


_OVERLOAD_MESSAGE = "%s of %s channels over capacity in group %s"  # channels-redis' group_send


class _CountOverload(logging.Filter):
    """On channels-redis' logger: counts the members of a group send that were full (the layer
    drops those quietly, at INFO), lets those records and warnings through, and nothing else."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == _OVERLOAD_MESSAGE:
            full = record.args[0] if isinstance(record.args, tuple) and record.args else 1
            metrics.CHANNEL_FULL.labels("group").inc(int(full))
            return True
        return record.levelno >= logging.WARNING


def count_layer_overload() -> None:
    """Make channels-redis' full channels in group sends visible (`madaniya_channel_full_total{where="group"}`)."""
    redis_logger = logging.getLogger("channels_redis.core")
    if not any(isinstance(each, _CountOverload) for each in redis_logger.filters):
        redis_logger.addFilter(_CountOverload())
        if redis_logger.getEffectiveLevel() > logging.INFO:
            redis_logger.setLevel(logging.INFO)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    """This event loop's hub (daphne runs one loop per process: one hub per process)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        count_layer_overload()
        hub = _hubs[loop] = Hub()
    return hub
