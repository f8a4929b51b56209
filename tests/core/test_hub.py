"""The process-local fan-out hub (`forum/core/hub.py`), on the in-memory layer and on real Redis.

Two `Hub` objects on one layer stand for two daphne processes; on Redis each has a layer object of
its own, as two processes would.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from channels.layers import InMemoryChannelLayer
from django.conf import settings

from forum.core.hub import Hub, presence_counts
from forum.core.realtime import RELAY_HANDLER, relay_message
from tests.conftest import require_service


class Socket:
    """Stands for a consumer: records what the hub hands it."""

    def __init__(self, name="s", fail=False):
        self.name, self.fail = name, fail
        self.events: list[dict] = []
        self.texts: list[str] = []

    async def deliver(self, event, text):
        if self.fail:
            raise RuntimeError("broken socket")
        self.events.append(event)
        self.texts.append(text)

    def of_type(self, kind):
        return [event for event in self.events if event["type"] == kind]

    def __repr__(self):
        return f"<Socket {self.name}>"


def fast(hub: Hub) -> Hub:
    hub.heartbeat_seconds = 0.3
    hub.heartbeat_debounce = 0.05
    hub.presence_interval = 0.1
    hub.typing_interval = 0.5
    hub.tick_seconds = 0.02
    return hub


def person(n):
    return {"id": n, "name": f"Person {n}", "organisation": "", "observer": False}


async def relay(layer, group, event):
    await layer.group_send(group, relay_message(group, event))


async def eventually(condition, timeout=5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def group_name():
    return f"test.hub.{uuid.uuid4().hex[:12]}"


# --- fan-out ---------------------------------------------------------------------------------------
async def test_a_group_costs_one_channel_however_many_sockets_subscribe():
    layer = InMemoryChannelLayer()
    hub, group = Hub(layer), group_name()
    sockets = [Socket(str(n)) for n in range(50)]
    for socket in sockets:
        await hub.subscribe(group, socket)
    assert len(layer.groups[group]) == 1
    await relay(layer, group, {"type": "message", "seq": 1, "html": "<p>مرحبا</p>"})
    await eventually(lambda: all(socket.events for socket in sockets))
    # Serialised once: every socket is handed the very same text object.
    assert len({id(socket.texts[0]) for socket in sockets}) == 1
    assert json.loads(sockets[0].texts[0]) == {"type": "message", "seq": 1, "html": "<p>مرحبا</p>"}
    assert "مرحبا" in sockets[0].texts[0]  # not \\u-escaped: half the bytes for Arabic
    for socket in sockets:
        await hub.unsubscribe(group, socket)
    assert group not in layer.groups  # the last one out left the group
    assert not hub.groups and hub.ticker is None


async def test_events_are_handed_on_in_order_and_once():
    layer = InMemoryChannelLayer(capacity=1000)
    hub, group = Hub(layer), group_name()
    a, b = Socket("a"), Socket("b")
    await hub.subscribe(group, a)
    await hub.subscribe(group, b)
    for seq in range(1, 201):
        await relay(layer, group, {"type": "message", "seq": seq})
    await eventually(lambda: len(a.events) == 200 and len(b.events) == 200)
    await asyncio.sleep(0.1)
    assert [event["seq"] for event in a.events] == list(range(1, 201))
    assert [event["seq"] for event in b.events] == list(range(1, 201))
    await hub.unsubscribe(group, a)
    await relay(layer, group, {"type": "message", "seq": 201})
    await eventually(lambda: len(b.events) == 201)
    assert len(a.events) == 200
    await hub.unsubscribe(group, b)


async def test_a_broken_socket_does_not_cost_the_others_their_events():
    layer = InMemoryChannelLayer()
    hub, group = Hub(layer), group_name()
    broken, fine = Socket("broken", fail=True), Socket("fine")
    await hub.subscribe(group, broken)
    await hub.subscribe(group, fine)
    await relay(layer, group, {"type": "message", "seq": 1})
    await relay(layer, group, {"type": "message", "seq": 2})
    await eventually(lambda: len(fine.events) == 2)
    await hub.unsubscribe(group, broken)
    await hub.unsubscribe(group, fine)


async def test_two_processes_each_get_every_event():
    layer = InMemoryChannelLayer()
    one, two, group = Hub(layer), Hub(layer), group_name()
    a, b = Socket("a"), Socket("b")
    await one.subscribe(group, a)
    await two.subscribe(group, b)
    assert len(layer.groups[group]) == 2  # O(processes)
    await relay(layer, group, {"type": "message", "seq": 1})
    await eventually(lambda: a.events and b.events)
    await one.unsubscribe(group, a)
    await two.unsubscribe(group, b)


# --- staying joined --------------------------------------------------------------------------------
async def test_the_hub_joins_again_after_the_layer_forgot_its_group():
    layer = InMemoryChannelLayer()
    hub, group = Hub(layer), group_name()
    hub.refresh_seconds, hub.tick_seconds = 0.2, 0.02
    socket = Socket()
    await hub.subscribe(group, socket)
    layer.groups.pop(group)  # what expiry (or a Redis restart) does to a membership
    await asyncio.sleep(0.4)
    await relay(layer, group, {"type": "message", "seq": 1})
    await eventually(lambda: socket.events)
    await hub.unsubscribe(group, socket)


class FlakyLayer(InMemoryChannelLayer):
    """A layer that fails its next `failures` calls of receive/group_add, like Redis going away."""

    failures = 0

    async def receive(self, channel):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("redis went away")
        return await super().receive(channel)

    async def group_add(self, group, channel):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("redis went away")
        return await super().group_add(group, channel)


async def test_layer_errors_make_the_hub_wait_and_join_again_not_crash():
    layer = FlakyLayer()
    hub, group = Hub(layer), group_name()
    hub.ready_timeout = 0.2
    layer.failures = 3
    socket = Socket()
    await hub.subscribe(group, socket)  # returns even though the layer is failing
    await eventually(lambda: layer.failures == 0 and group in layer.groups)
    await relay(layer, group, {"type": "message", "seq": 1})
    await eventually(lambda: socket.events)
    assert not hub.receiver.done()
    await hub.unsubscribe(group, socket)


async def test_a_layer_error_tells_every_subscriber_once_that_events_may_be_lost():
    """Sockets close and catch up from the database (`layer_lost`): a gap is not always seen."""
    layer = FlakyLayer()
    hub, first, second = Hub(layer), group_name(), group_name()
    hub.ready_timeout = 0.2

    class LosingSocket(Socket):
        lost = 0

        async def layer_lost(self):
            self.lost += 1

    both, one, listener = LosingSocket(), LosingSocket(), Socket()  # a plain listener is left alone
    await hub.subscribe(first, both)
    await hub.subscribe(second, both)
    await hub.subscribe(second, one)
    await hub.subscribe(second, listener)
    layer.failures = 1
    await relay(layer, first, {"type": "message"})  # wakes the receive, which now fails once
    await eventually(lambda: both.lost and one.lost)
    await asyncio.sleep(0.05)
    assert (both.lost, one.lost) == (1, 1)
    for group, socket in ((first, both), (second, both), (second, one), (second, listener)):
        await hub.unsubscribe(group, socket)


# --- presence --------------------------------------------------------------------------------------
async def test_presence_counts_people_across_processes_once_each():
    layer = InMemoryChannelLayer()
    one, two, group = fast(Hub(layer)), fast(Hub(layer)), group_name()
    tab, phone, other = Socket("tab"), Socket("phone"), Socket("other")
    await one.subscribe(group, tab, person(1))
    await two.subscribe(group, phone, person(1))  # the same person in another process
    await two.subscribe(group, other, person(2))
    await eventually(lambda: one.presence(group)["count"] == 2 and two.presence(group)["count"] == 2)
    assert [p["id"] for p in one.presence(group)["people"]] == [1, 2]
    await eventually(lambda: tab.of_type("presence") and tab.of_type("presence")[-1]["count"] == 2)
    joined = {p["id"] for event in tab.of_type("presence") for p in event["joined"]}
    assert joined == {1, 2}
    # Person 2 leaves: everyone is told, once.
    await two.unsubscribe(group, other)
    await eventually(lambda: tab.of_type("presence")[-1]["count"] == 1)
    assert tab.of_type("presence")[-1]["left"] == [person(2)]
    # One of person 1's two sockets leaves: still there.
    await one.unsubscribe(group, tab)
    await asyncio.sleep(0.3)
    assert two.presence(group)["count"] == 1
    await two.unsubscribe(group, phone)


async def test_the_pages_count_is_the_people_of_every_process_once_each():
    """What the "live now" list reads (`presence_counts`, from the cache): people, not sockets."""
    layer = InMemoryChannelLayer()
    one, two, group = fast(Hub(layer)), fast(Hub(layer)), group_name()
    tab, phone, second, third = Socket("tab"), Socket("phone"), Socket("second"), Socket("third")
    await one.subscribe(group, tab, person(1))
    await one.subscribe(group, second, person(2))
    await two.subscribe(group, phone, person(1))  # person 1 again, in the other process
    await two.subscribe(group, third, person(3))
    await eventually(lambda: presence_counts([group]) == {group: 3})
    assert presence_counts([group, group_name()]) == {group: 3}  # a room with nobody: absent
    await one.unsubscribe(group, second)
    await one.unsubscribe(group, tab)  # process one is empty; person 1 is still in process two
    await eventually(lambda: presence_counts([group]) == {group: 2})
    await asyncio.sleep(one.heartbeat_seconds * one.expiry_factor + 0.2)  # kept fresh, not expired
    assert presence_counts([group]) == {group: 2}
    await two.unsubscribe(group, phone)
    await eventually(lambda: presence_counts([group]) == {group: 1})
    await two.unsubscribe(group, third)
    assert presence_counts([group]) == {}


async def test_the_pages_count_goes_when_its_process_stops_refreshing_it():
    layer = InMemoryChannelLayer()
    hub, group = fast(Hub(layer)), group_name()
    await hub.subscribe(group, Socket(), person(1))
    await eventually(lambda: presence_counts([group]) == {group: 1})
    hub.receiver.cancel()  # the process dies without a word
    hub.ticker.cancel()
    await eventually(lambda: presence_counts([group]) == {}, timeout=hub.heartbeat_seconds * hub.expiry_factor + 3)


async def test_a_private_groups_count_reaches_the_pages_too():
    layer = InMemoryChannelLayer()
    hub, group = fast(Hub(layer)), group_name()
    a, b = Socket("a"), Socket("b")
    await hub.subscribe(group, a, person(1), private=True)
    await hub.subscribe(group, b, person(2))
    await eventually(lambda: presence_counts([group]) == {group: 2})
    await hub.unsubscribe(group, a)
    await hub.unsubscribe(group, b)


async def test_a_silent_process_is_forgotten():
    layer = InMemoryChannelLayer()
    one, two, group = fast(Hub(layer)), fast(Hub(layer)), group_name()
    a, b = Socket("a"), Socket("b")
    await one.subscribe(group, a, person(1))
    await two.subscribe(group, b, person(2))
    await eventually(lambda: one.presence(group)["count"] == 2)
    # Process two dies without a word: its tasks stop, nothing is sent.
    two.receiver.cancel()
    two.ticker.cancel()
    await eventually(lambda: one.presence(group)["count"] == 1, timeout=3)
    await one.unsubscribe(group, a)


async def test_private_groups_tell_counts_not_people():
    layer = InMemoryChannelLayer()
    hub, group = fast(Hub(layer)), group_name()
    a, b = Socket("a"), Socket("b")
    await hub.subscribe(group, a, person(1), private=True)
    await hub.subscribe(group, b, person(2))
    assert hub.presence(group) == {"count": 2}
    await eventually(lambda: a.of_type("presence"))
    assert a.of_type("presence")[-1] == {"type": "presence", "count": 2}
    hub.typing(group, person(2))
    await eventually(lambda: a.of_type("typing"))
    assert a.of_type("typing")[-1] == {"type": "typing", "count": 1}
    await hub.unsubscribe(group, a)
    await hub.unsubscribe(group, b)


async def test_typing_is_coalesced_to_one_event_per_interval_with_five_names():
    layer = InMemoryChannelLayer()
    one, two, group = fast(Hub(layer)), fast(Hub(layer)), group_name()
    one.typing_interval = two.typing_interval = 1.0
    here, there = Socket("here"), Socket("there")
    await one.subscribe(group, here, person(100))
    await two.subscribe(group, there, person(101))
    await asyncio.sleep(0.2)
    for n in range(7):
        for _ in range(3):
            one.typing(group, person(n))
    await eventually(lambda: there.of_type("typing"))
    await asyncio.sleep(0.5)
    events = there.of_type("typing")
    assert len(events) == 1 and here.of_type("typing") == events
    assert [p["id"] for p in events[0]["people"]] == [0, 1, 2, 3, 4]
    assert events[0]["count"] == 7
    assert set(events[0]["people"][0]) == {"id", "name"}
    await one.unsubscribe(group, here)
    await two.unsubscribe(group, there)


# --- real Redis ------------------------------------------------------------------------------------
@pytest.fixture
def redis_layers():
    require_service(bool(getattr(settings, "REDIS_URL", "")), "Redis (REDIS_URL)")
    from channels_redis.core import RedisChannelLayer

    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    return lambda: RedisChannelLayer(**config)


@pytest.mark.services
async def test_on_redis_two_processes_share_events_and_presence(redis_layers):
    sender, layer_one, layer_two = redis_layers(), redis_layers(), redis_layers()
    one, two, group = fast(Hub(layer_one)), fast(Hub(layer_two)), group_name()
    a1, a2, b = Socket("a1"), Socket("a2"), Socket("b")
    await one.subscribe(group, a1, person(1))
    await one.subscribe(group, a2, person(2))
    await two.subscribe(group, b, person(1))
    for seq in range(1, 51):
        await relay(sender, group, {"type": "message", "seq": seq, "html": "نص"})
    await eventually(lambda: all(len(s.of_type("message")) == 50 for s in (a1, a2, b)), timeout=10)
    for socket in (a1, a2, b):
        assert [e["seq"] for e in socket.of_type("message")] == list(range(1, 51))
    await eventually(lambda: one.presence(group)["count"] == 2 and two.presence(group)["count"] == 2)
    await one.unsubscribe(group, a2)
    await eventually(lambda: two.presence(group)["count"] == 1)
    await one.unsubscribe(group, a1)
    await two.unsubscribe(group, b)
    for layer in (sender, layer_one, layer_two):
        await layer.close_pools()


@pytest.mark.services
async def test_on_redis_the_hub_joins_again_after_its_group_was_lost(redis_layers):
    sender, layer = redis_layers(), redis_layers()
    hub, group = Hub(layer), group_name()
    hub.refresh_seconds, hub.tick_seconds = 0.3, 0.05
    socket = Socket()
    await hub.subscribe(group, socket)
    # What a Redis restart without persistence does to the group: gone.
    connection = sender.connection(sender.consistent_hash(group))
    await connection.delete(sender._group_key(group))
    await asyncio.sleep(0.6)
    await relay(sender, group, {"type": "message", "seq": 1})
    await eventually(lambda: socket.events, timeout=10)
    await hub.unsubscribe(group, socket)
    for each in (sender, layer):
        await each.close_pools()


# --- presence pages, the last seq, the write lock ------------------------------------------------------
async def test_presence_pages_name_people_by_name_and_say_how_many_follow():
    layer = InMemoryChannelLayer()
    one, two, group = fast(Hub(layer)), fast(Hub(layer)), group_name()
    sockets = [Socket(str(n)) for n in range(7)]
    for n, socket in enumerate(sockets[:4]):
        await one.subscribe(group, socket, person(n))
    for n, socket in enumerate(sockets[4:], start=4):
        await two.subscribe(group, socket, person(n))  # another process's people count too
    await eventually(lambda: one.presence(group)["count"] == 7)
    first = one.presence(group, limit=3)
    assert (first["count"], [p["id"] for p in first["people"]], first["more"]) == (7, [0, 1, 2], 4)
    last = one.presence(group, offset=6, limit=3)
    assert ([p["id"] for p in last["people"]], last["more"]) == ([6], 0)
    assert one.presence(group, offset=50, limit=3) == {"count": 7, "people": [], "more": 0}
    # The sorted roster follows a change at once.
    await one.unsubscribe(group, sockets[0])
    assert [p["id"] for p in one.presence(group, limit=2)["people"]] == [1, 2]
    for socket in sockets[1:4]:
        await one.unsubscribe(group, socket)
    for socket in sockets[4:]:
        await two.unsubscribe(group, socket)


async def test_the_last_seq_follows_relayed_events_and_is_unknown_after_a_layer_error():
    layer = InMemoryChannelLayer()
    hub, group, socket = fast(Hub(layer)), group_name(), Socket()
    await hub.subscribe(group, socket)
    assert hub.last_seq(group) is None  # nothing known yet: the caller asks the database
    hub.note_seq(group, 4)
    await relay(layer, group, {"type": "message", "seq": 5})
    await relay(layer, group, {"type": "presence", "count": 1})
    await eventually(lambda: len(socket.events) == 2)
    assert hub.last_seq(group) == 5
    hub.note_seq(group, 3)  # an older read changes nothing
    assert hub.last_seq(group) == 5

    class Broken(Exception):
        pass

    real_receive = layer.receive
    failed = []

    async def receive_once_broken(channel):
        if not failed:
            failed.append(channel)
            raise Broken()
        return await real_receive(channel)

    layer.receive = receive_once_broken
    hub.receiver.cancel()  # restart the loop on the broken layer
    hub.receiver = asyncio.ensure_future(hub._receive_loop())
    await eventually(lambda: failed)
    assert hub.last_seq(group) is None
    await hub.unsubscribe(group, socket)


async def test_the_write_lock_is_one_per_group():
    layer = InMemoryChannelLayer()
    hub, group, socket = fast(Hub(layer)), group_name(), Socket()
    await hub.subscribe(group, socket)
    assert hub.write_lock(group) is hub.write_lock(group)
    assert hub.write_lock(group) is not hub.write_lock(group_name())
    await hub.unsubscribe(group, socket)


async def test_send_in_order_hands_broadcasts_to_the_layer_in_order_without_making_the_writer_wait():
    """A room's writer queues its broadcasts and goes on; the hub's task sends them one at a time,
    in the order they were queued, even while the layer is slow."""
    import asyncio

    from forum.core.hub import Hub

    gate, sent = asyncio.Event(), []

    class SlowLayer:
        async def group_send(self, group, message):
            await gate.wait()
            sent.append((group, message["event"]["n"]))

    hub = Hub(layer=SlowLayer())
    hub.send_in_order("room.1", [("room.1", {"n": 1}), ("mods.1", {"n": 2})])  # returns at once
    hub.send_in_order("room.1", [("room.1", {"n": 3})])
    hub.send_in_order("room.2", [])  # nothing queued, no task
    assert "room.2" not in hub.drainers and sent == []
    gate.set()
    await hub.drainers["room.1"]
    assert sent == [("room.1", 1), ("mods.1", 2), ("room.1", 3)]
    assert hub.outboxes == {} and hub.drainers == {}
    hub.send_in_order("room.1", [("room.1", {"n": 4})])  # a new task after the last one ended
    await hub.drainers["room.1"]
    assert sent[-1] == ("room.1", 4)


async def test_a_failing_broadcast_does_not_stop_the_ones_after_it():
    from forum.core.hub import Hub

    sent = []

    class FlakyLayer:
        async def group_send(self, group, message):
            if message["event"]["n"] == 1:
                raise ConnectionError("layer down")
            sent.append(message["event"]["n"])

    hub = Hub(layer=FlakyLayer())
    hub.send_in_order("k", [("g", {"n": 1}), ("g", {"n": 2})])
    await hub.drainers["k"]
    assert sent == [2]


def test_deferred_broadcasts_are_collected_in_their_thread_only():
    import threading

    from forum.core import realtime

    collected, other_thread = [], []
    with realtime.deferred_broadcasts(collected):
        realtime.broadcast("g", {"type": "x"})
        worker = threading.Thread(target=lambda: other_thread.append(getattr(realtime._deferred, "into", None)))
        worker.start()
        worker.join()
    assert collected == [("g", {"type": "x"})]
    assert other_thread == [None]  # another thread broadcasts for real
    assert getattr(realtime._deferred, "into", None) is None


# --- order across processes: the hub puts sequenced events back in order ---------------------------
def reordered(outcome):
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value("madaniya_hub_reorder_total", {"outcome": outcome}) or 0.0


def seqs(socket):
    return [event["seq"] for event in socket.events if "seq" in event]


async def test_an_event_that_comes_early_waits_for_the_one_before_it():
    """Two processes' broadcasts reach the layer in either order: 12 before 11 is handed on 11, 12."""
    layer = InMemoryChannelLayer()
    hub, group, socket = Hub(layer), group_name(), Socket()
    hub.reorder_wait = 5.0  # long: only the missing number may release it here
    await hub.subscribe(group, socket)
    hub.note_seq(group, 10)  # a join read the room's latest
    held_before = reordered("held")
    await relay(layer, group, {"type": "message", "seq": 12})
    await relay(layer, group, {"type": "message", "seq": 13})
    await asyncio.sleep(0.2)
    assert socket.events == []  # 11 is missing: nothing yet
    assert hub.last_seq(group) == 10  # a pong does not announce what the sockets were not given
    await relay(layer, group, {"type": "message", "seq": 11})
    await eventually(lambda: len(socket.events) == 3)
    assert seqs(socket) == [11, 12, 13]
    assert hub.last_seq(group) == 13
    assert reordered("held") == held_before + 2
    assert not hub.groups[group].held and hub.groups[group].timer is None
    await relay(layer, group, {"type": "message", "seq": 14})  # in order: straight on
    await eventually(lambda: len(socket.events) == 4)
    await hub.unsubscribe(group, socket)


async def test_two_writers_interleaved_reach_every_socket_of_both_processes_in_order():
    layer = InMemoryChannelLayer(capacity=1000)
    one, two, group = Hub(layer), Hub(layer), group_name()
    a, b = Socket("a"), Socket("b")
    await one.subscribe(group, a)
    await two.subscribe(group, b)
    one.note_seq(group, 0)
    two.note_seq(group, 0)
    order = []
    for pair in range(0, 100, 2):  # each pair swapped, as two processes' drains racing
        order += [pair + 2, pair + 1]
    for seq in order:
        await relay(layer, group, {"type": "message", "seq": seq})
    await eventually(lambda: len(a.events) == 100 and len(b.events) == 100)
    assert seqs(a) == seqs(b) == list(range(1, 101))
    await one.unsubscribe(group, a)
    await two.unsubscribe(group, b)


async def test_a_number_already_delivered_or_already_held_is_dropped():
    layer = InMemoryChannelLayer()
    hub, group, socket = Hub(layer), group_name(), Socket()
    await hub.subscribe(group, socket)
    hub.note_seq(group, 0)
    before = reordered("duplicate")
    await relay(layer, group, {"type": "message", "seq": 1})
    await relay(layer, group, {"type": "message", "seq": 1})
    await relay(layer, group, {"type": "message", "seq": 3})
    await relay(layer, group, {"type": "message", "seq": 3})  # a repeat of a held one
    await relay(layer, group, {"type": "message", "seq": 2})
    await eventually(lambda: len(socket.events) == 3)
    await asyncio.sleep(0.1)
    assert seqs(socket) == [1, 2, 3]
    assert reordered("duplicate") == before + 2
    await hub.unsubscribe(group, socket)


async def test_a_number_that_never_comes_is_given_up_after_the_wait_and_counted(caplog):
    layer = InMemoryChannelLayer()
    hub, group, socket = Hub(layer), group_name(), Socket()
    hub.reorder_wait = 0.3
    await hub.subscribe(group, socket)
    hub.note_seq(group, 10)
    gave_up, late = reordered("gave_up"), reordered("late")
    started = asyncio.get_running_loop().time()
    await relay(layer, group, {"type": "message", "seq": 12})
    await relay(layer, group, {"type": "message", "seq": 13})
    await eventually(lambda: len(socket.events) == 2)
    waited = asyncio.get_running_loop().time() - started
    assert 0.25 <= waited < 1.5, waited  # held for about the wait, not for ever
    assert seqs(socket) == [12, 13]  # what it had, in order, past the gap (clients heal it by a join)
    assert reordered("gave_up") == gave_up + 1
    assert any("gave up waiting for seq 11-11" in record.getMessage() for record in caplog.records)
    # The missing one turns up after its turn: passed on (each socket drops what it already holds).
    await relay(layer, group, {"type": "message", "seq": 11})
    await eventually(lambda: len(socket.events) == 3)
    assert seqs(socket) == [12, 13, 11] and reordered("late") == late + 1
    # And the order goes on from 14 without waiting.
    await relay(layer, group, {"type": "message", "seq": 14})
    await eventually(lambda: len(socket.events) == 4)
    assert asyncio.get_running_loop().time() - started < waited + 0.25
    await hub.unsubscribe(group, socket)


async def test_the_held_events_are_bounded():
    layer = InMemoryChannelLayer()
    hub, group, socket = Hub(layer), group_name(), Socket()
    hub.reorder_wait, hub.reorder_max = 30.0, 4
    await hub.subscribe(group, socket)
    hub.note_seq(group, 0)
    for seq in range(2, 7):  # 1 never comes: the fifth early event is one too many
        await relay(layer, group, {"type": "message", "seq": seq})
    await eventually(lambda: len(socket.events) == 5)
    assert seqs(socket) == [2, 3, 4, 5, 6]
    assert not hub.groups[group].held
    await hub.unsubscribe(group, socket)


async def test_events_without_a_number_pass_straight_through_while_others_wait():
    layer = InMemoryChannelLayer()
    hub, group, socket = Hub(layer), group_name(), Socket()
    hub.reorder_wait = 5.0
    await hub.subscribe(group, socket)
    hub.note_seq(group, 1)
    await relay(layer, group, {"type": "message", "seq": 3})
    await relay(layer, group, {"type": "question_held", "seq": None, "id": 9})
    await relay(layer, group, {"type": "message", "seq": True})  # not a number: not ordered either
    await eventually(lambda: len(socket.events) == 2)
    assert [event["type"] for event in socket.events] == ["question_held", "message"]
    await relay(layer, group, {"type": "message", "seq": 2})
    await eventually(lambda: len(socket.events) == 4)
    assert [event["seq"] for event in socket.events[2:]] == [2, 3]
    await hub.unsubscribe(group, socket)


async def test_the_first_events_after_subscribing_with_nothing_known_are_gathered_then_ordered():
    """Just subscribed, no socket has read the room's number yet: the first event waits (the one
    before it may be on its way) and the order starts from the lowest that came."""
    layer = InMemoryChannelLayer()
    hub, group, socket = Hub(layer), group_name(), Socket()
    hub.reorder_wait = 0.3
    await hub.subscribe(group, socket)
    gave_up = reordered("gave_up")
    await relay(layer, group, {"type": "message", "seq": 6})
    await relay(layer, group, {"type": "message", "seq": 5})
    await asyncio.sleep(0.1)
    assert socket.events == []
    await eventually(lambda: len(socket.events) == 2)
    assert seqs(socket) == [5, 6]
    assert reordered("gave_up") == gave_up  # nothing was known to be missing
    await relay(layer, group, {"type": "message", "seq": 7})  # from now on: in order, no wait
    await eventually(lambda: len(socket.events) == 3)
    await hub.unsubscribe(group, socket)


async def test_a_number_noted_while_the_first_event_waits_releases_it_without_the_wait():
    layer = InMemoryChannelLayer()
    hub, group, socket = Hub(layer), group_name(), Socket()
    hub.reorder_wait = 5.0
    await hub.subscribe(group, socket)
    await relay(layer, group, {"type": "message", "seq": 7})
    await relay(layer, group, {"type": "message", "seq": 4})  # below what the join will read
    await asyncio.sleep(0.1)
    assert socket.events == []
    hub.note_seq(group, 5)  # the join read 5: 6 comes next; 4 goes on (an older socket may need it)
    await eventually(lambda: len(socket.events) == 1)
    assert seqs(socket) == [4]
    await relay(layer, group, {"type": "message", "seq": 6})
    await eventually(lambda: len(socket.events) == 3)
    assert seqs(socket) == [4, 6, 7]
    # A later, higher note does not skip numbers still on their way to the sockets already here.
    hub.note_seq(group, 9)
    await relay(layer, group, {"type": "message", "seq": 8})
    await relay(layer, group, {"type": "message", "seq": 9})
    await eventually(lambda: len(socket.events) == 5)
    assert seqs(socket) == [4, 6, 7, 8, 9]
    await hub.unsubscribe(group, socket)


async def test_after_a_layer_error_the_order_starts_again_from_what_comes():
    """Events may have been lost while the layer was down: the number the hub expected is forgotten,
    and the first events after joining again are gathered and ordered."""
    layer = FlakyLayer()
    hub, group, socket = Hub(layer), group_name(), Socket()
    hub.reorder_wait = 0.3
    await hub.subscribe(group, socket)
    hub.note_seq(group, 10)
    await relay(layer, group, {"type": "message", "seq": 11})
    await eventually(lambda: seqs(socket) == [11])
    layer.failures = 1
    await relay(layer, group, {"type": "presence", "count": 1})  # wakes the receive loop: it fails
    await eventually(lambda: hub.groups[group].next_seq is None)
    assert hub.last_seq(group) is None
    await eventually(lambda: hub.groups[group].joined_at is not None)
    # 12-19 were lost with the layer; 21 comes before 20: no wait for 12, but 20 first.
    await relay(layer, group, {"type": "message", "seq": 21})
    await relay(layer, group, {"type": "message", "seq": 20})
    await eventually(lambda: len(seqs(socket)) == 3)
    assert seqs(socket) == [11, 20, 21]
    await hub.unsubscribe(group, socket)


async def test_a_layer_error_hands_on_at_once_what_waited_for_a_lost_number():
    layer = FlakyLayer()
    hub, group, socket = Hub(layer), group_name(), Socket()
    hub.reorder_wait = 30.0
    await hub.subscribe(group, socket)
    hub.note_seq(group, 10)
    await relay(layer, group, {"type": "message", "seq": 13})  # 11 and 12 are lost with the layer
    await relay(layer, group, {"type": "message", "seq": 12})
    await eventually(lambda: len(hub.groups[group].held) == 2)
    layer.failures = 1
    await relay(layer, group, {"type": "presence", "count": 1})
    await eventually(lambda: seqs(socket) == [12, 13])  # at once, not after the wait
    await hub.unsubscribe(group, socket)


async def test_leaving_with_events_held_stops_the_timer():
    layer = InMemoryChannelLayer()
    hub, group, socket = Hub(layer), group_name(), Socket()
    hub.reorder_wait = 0.2
    await hub.subscribe(group, socket)
    hub.note_seq(group, 0)
    await relay(layer, group, {"type": "message", "seq": 2})
    await eventually(lambda: hub.groups[group].timer is not None)
    entry = hub.groups[group]
    await hub.unsubscribe(group, socket)
    await asyncio.sleep(0.3)
    assert socket.events == [] and entry.releasing is None


@pytest.mark.services
async def test_on_redis_two_writers_racing_reach_the_sockets_in_order(redis_layers):
    first, second, layer = redis_layers(), redis_layers(), redis_layers()
    hub, group, socket = Hub(layer), group_name(), Socket()
    await hub.subscribe(group, socket)
    hub.note_seq(group, 0)

    async def write(sender, numbers):
        for seq in numbers:
            await relay(sender, group, {"type": "message", "seq": seq})
            await asyncio.sleep(0)

    # Two "processes" each sending every other number, the second one a step ahead.
    await asyncio.gather(write(first, range(2, 61, 2)), write(second, range(1, 60, 2)))
    await eventually(lambda: len(socket.events) == 60, timeout=10)
    assert seqs(socket) == list(range(1, 61))
    await hub.unsubscribe(group, socket)
    for each in (first, second, layer):
        await each.close_pools()


# --- one channel for every group of a process ------------------------------------------------------
class CountingLayer(InMemoryChannelLayer):
    """Counts the layer calls a hub makes, and how many receives are waiting at once."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = {"new_channel": 0, "group_add": 0, "group_discard": 0, "receive": 0}
        self.receiving = self.most_receiving = 0

    async def new_channel(self, prefix="specific."):
        self.calls["new_channel"] += 1
        return await super().new_channel(prefix)

    async def group_add(self, group, channel):
        self.calls["group_add"] += 1
        return await super().group_add(group, channel)

    async def group_discard(self, group, channel):
        self.calls["group_discard"] += 1
        return await super().group_discard(group, channel)

    async def receive(self, channel):
        self.calls["receive"] += 1
        self.receiving += 1
        self.most_receiving = max(self.most_receiving, self.receiving)
        try:
            return await super().receive(channel)
        finally:
            self.receiving -= 1


async def test_one_channel_and_one_receive_task_whatever_the_number_of_groups():
    layer = CountingLayer()
    hub = Hub(layer)
    groups = [group_name() for _ in range(200)]
    sockets = {group: Socket(group) for group in groups}
    await asyncio.gather(*(hub.subscribe(group, sockets[group], ordered=False) for group in groups))
    await asyncio.sleep(0.05)
    assert layer.calls["new_channel"] == 1
    assert {channel for group in groups for channel in layer.groups[group]} == {hub.channel}
    assert layer.most_receiving == 1
    # Every group's events come on that one channel, each to its own group's sockets.
    for n, group in enumerate(groups):
        await relay(layer, group, {"type": "message", "n": n})
    await eventually(lambda: all(len(socket.events) == 1 for socket in sockets.values()))
    assert [sockets[group].events[0]["n"] for group in groups] == list(range(200))
    assert layer.most_receiving == 1
    for group in groups:
        await hub.unsubscribe(group, sockets[group])
    assert hub.receiver is None and hub.ticker is None and not hub.groups


async def test_a_thousand_sockets_connect_in_bounded_layer_calls():
    """1,000 readers of one thread, each with a group of their own: one channel, one join per group,
    one receive waiting (not 1,000 receives woken by every message)."""
    layer = CountingLayer()
    hub, thread = Hub(layer), group_name()
    sockets = [Socket(str(n)) for n in range(1000)]

    async def connect(n, socket):
        await hub.subscribe(f"user.{n}", socket, ordered=False)
        await hub.subscribe(thread, socket, ordered=False)

    await asyncio.gather(*(connect(n, socket) for n, socket in enumerate(sockets)))
    await asyncio.sleep(0.05)
    assert layer.calls["new_channel"] == 1
    assert layer.calls["group_add"] == 1001
    assert layer.most_receiving == 1
    assert layer.calls["receive"] <= 2
    await relay(layer, thread, {"type": "discussions.post.created", "seq": 7})
    await eventually(lambda: all(socket.events for socket in sockets))
    assert layer.calls["receive"] <= 3
    for n, socket in enumerate(sockets):
        await hub.unsubscribe(f"user.{n}", socket)
        await hub.unsubscribe(thread, socket)
    assert layer.calls["group_discard"] == 1001


async def test_events_sent_to_two_groups_reach_the_sockets_in_the_order_they_were_sent():
    layer = InMemoryChannelLayer()
    hub, user, thread = Hub(layer), group_name(), group_name()
    order = []

    class Recorder(Socket):
        async def deliver(self, event, text):
            order.append(event["n"])

    socket = Recorder()
    await hub.subscribe(user, socket, ordered=False)
    await hub.subscribe(thread, socket, ordered=False)
    for n in range(50):
        await relay(layer, user if n % 3 == 0 else thread, {"type": "x", "n": n})
    await eventually(lambda: len(order) == 50)
    assert order == list(range(50))
    await hub.unsubscribe(user, socket)
    await hub.unsubscribe(thread, socket)


async def test_unordered_groups_pass_numbered_events_on_as_they_come():
    layer = InMemoryChannelLayer()
    hub, plain, ordered = Hub(layer), group_name(), group_name()
    hub.reorder_wait = 0.2
    a, b = Socket("a"), Socket("b")
    await hub.subscribe(plain, a, ordered=False)
    await hub.subscribe(ordered, b)
    hub.note_seq(ordered, 0)
    for seq in (3, 1, 2):
        await relay(layer, plain, {"type": "message", "seq": seq})
        await relay(layer, ordered, {"type": "message", "seq": seq})
    await eventually(lambda: len(a.events) == 3 and len(b.events) == 3)
    assert seqs(a) == [3, 1, 2]  # post ids as seq: not a sequence, nothing is held
    assert seqs(b) == [1, 2, 3]
    assert not hub.groups[plain].held
    await hub.unsubscribe(plain, a)
    await hub.unsubscribe(ordered, b)


async def test_a_group_is_ordered_while_one_of_its_subscribers_asks_for_it():
    layer = InMemoryChannelLayer()
    hub, group = Hub(layer), group_name()
    plain, wants = Socket("plain"), Socket("wants")
    await hub.subscribe(group, plain, ordered=False)
    assert not hub.groups[group].ordered
    await hub.subscribe(group, wants)
    assert hub.groups[group].ordered
    await hub.unsubscribe(group, wants)
    assert not hub.groups[group].ordered
    await hub.unsubscribe(group, plain)


async def test_a_message_that_names_no_group_is_logged_and_dropped(caplog):
    layer = InMemoryChannelLayer()
    hub, group, socket = Hub(layer), group_name(), Socket()
    await hub.subscribe(group, socket)
    await layer.group_send(group, {"type": RELAY_HANDLER, "event": {"type": "message"}})
    await relay(layer, group, {"type": "after"})
    await eventually(lambda: socket.events)
    assert [event["type"] for event in socket.events] == ["after"]
    assert "names no group" in caplog.text
    await hub.unsubscribe(group, socket)


async def test_the_ticker_visits_only_the_groups_with_timer_work():
    layer = CountingLayer()
    hub = fast(Hub(layer))
    visited = []
    real_tick = hub._tick

    async def tick(entry):
        visited.append(entry.name)
        await real_tick(entry)

    hub._tick = tick
    plain = [group_name() for _ in range(300)]
    for group in plain:
        await hub.subscribe(group, Socket(), ordered=False)
    room = group_name()
    await hub.subscribe(room, Socket(), person(1))
    await asyncio.sleep(hub.tick_seconds * 10)
    assert visited and set(visited) == {room}
    assert hub.busy == {hub.groups[room]}
    await hub.unsubscribe(room, next(iter(hub.groups[room].subscribers)))
    for group in plain:
        await hub.unsubscribe(group, next(iter(hub.groups[group].subscribers)))


async def test_memberships_are_refreshed_in_one_pass_per_period():
    layer = CountingLayer()
    hub = Hub(layer)
    hub.tick_seconds, hub.refresh_seconds = 0.02, 0.3
    groups = [group_name() for _ in range(40)]
    for group in groups:
        await hub.subscribe(group, Socket(), ordered=False)
    joined = layer.calls["group_add"]
    assert joined == 40
    await asyncio.sleep(0.45)  # one refresh period
    assert layer.calls["group_add"] - joined == 40
    layer.groups.clear()  # Redis lost every membership
    await asyncio.sleep(0.35)
    assert all(hub.channel in layer.groups.get(group, {}) for group in groups)
    for group in groups:
        await hub.unsubscribe(group, next(iter(hub.groups[group].subscribers)))


async def test_a_layer_error_makes_every_group_join_again():
    layer = FlakyLayer()
    hub = Hub(layer)
    groups = [group_name() for _ in range(5)]
    sockets = [Socket(group) for group in groups]
    for group, socket in zip(groups, sockets, strict=True):
        await hub.subscribe(group, socket)
        hub.note_seq(group, 1)
    layer.failures = 2
    await relay(layer, groups[0], {"type": "presence", "count": 1})  # wakes the receive loop: it fails
    await eventually(lambda: layer.failures == 0 and not hub.missing)
    assert all(hub.last_seq(group) is None for group in groups)  # every group may have missed events
    for group, socket in zip(groups, sockets, strict=True):
        await relay(layer, group, {"type": "message"})
        await eventually(lambda socket=socket: socket.of_type("message"))
        await hub.unsubscribe(group, socket)


async def test_a_full_channel_is_logged_and_counted_never_dropped_quietly(caplog):
    from channels.exceptions import ChannelFull

    from forum.core import metrics

    class FullLayer(InMemoryChannelLayer):
        async def group_send(self, group, message):
            raise ChannelFull()

    def full():
        return {where: metrics.CHANNEL_FULL.labels(where)._value.get() for where in metrics.CHANNEL_FULL_SOURCES}

    before = full()
    hub = Hub(FullLayer())
    hub.send_in_order("room", [("room", {"type": "message"})])
    await eventually(lambda: not hub.drainers)
    assert full()["hub"] == before["hub"] + 1
    assert "channel layer full" in caplog.text


def test_a_full_channel_on_broadcast_is_logged_and_counted(monkeypatch, caplog):
    from channels.exceptions import ChannelFull

    from forum.core import metrics, realtime

    class FullLayer(InMemoryChannelLayer):
        async def group_send(self, group, message):
            raise ChannelFull()

    monkeypatch.setattr(realtime, "get_channel_layer", FullLayer)
    before = metrics.CHANNEL_FULL.labels("broadcast")._value.get()
    realtime.broadcast("thread.1", {"type": "x"})
    assert metrics.CHANNEL_FULL.labels("broadcast")._value.get() == before + 1
    assert "channel layer full" in caplog.text and "thread.1" in caplog.text


def test_channels_redis_full_members_of_a_group_send_are_counted():
    import logging

    from forum.core import metrics
    from forum.core.hub import count_layer_overload

    count_layer_overload()
    before = metrics.CHANNEL_FULL.labels("group")._value.get()
    logging.getLogger("channels_redis.core").info("%s of %s channels over capacity in group %s", 2, 5, "g")
    assert metrics.CHANNEL_FULL.labels("group")._value.get() == before + 2


def test_the_hub_channel_may_hold_a_burst_of_every_group():
    config = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
    capacity = config.get("channel_capacity", {}).get("specific.*", config.get("capacity"))
    assert capacity >= 10_000


@pytest.mark.services
async def test_on_redis_two_processes_get_an_access_event_before_the_thread_event_after_it(redis_layers):
    sender = redis_layers()
    hubs = [Hub(redis_layers()), Hub(redis_layers())]
    user, thread = group_name(), group_name()
    orders = [[], []]

    class Recorder(Socket):
        def __init__(self, order):
            super().__init__()
            self.order = order

        async def deliver(self, event, text):
            self.order.append(event["n"])

    sockets = [Recorder(order) for order in orders]
    for hub, socket in zip(hubs, sockets, strict=True):
        await hub.subscribe(user, socket, ordered=False)
        await hub.subscribe(thread, socket, ordered=False)
    for n in range(60):
        await relay(sender, user if n % 2 == 0 else thread, {"type": "x", "n": n})
    await eventually(lambda: all(len(order) == 60 for order in orders), timeout=10)
    assert orders == [list(range(60)), list(range(60))]
    for hub, socket in zip(hubs, sockets, strict=True):
        await hub.unsubscribe(user, socket)
        await hub.unsubscribe(thread, socket)
        await hub.layer.close_pools()
    await sender.close_pools()


async def test_a_cancel_the_layer_turns_into_an_error_still_stops_the_receive_loop():
    """A Redis client may answer a cancel with a connection or timeout error: the loop must not take
    it for a layer error and retry forever (the event loop's close would wait for it forever)."""

    class Converting(InMemoryChannelLayer):
        async def receive(self, channel):
            try:
                return await super().receive(channel)
            except asyncio.CancelledError:
                raise ConnectionError("closed while reading") from None

    hub, group, socket = Hub(Converting()), group_name(), Socket()
    await hub.subscribe(group, socket)
    receiver = hub.receiver
    await asyncio.sleep(0.05)
    receiver.cancel()
    await asyncio.wait([receiver], timeout=2)
    assert receiver.done() and receiver.cancelled()
    hub.receiver = None
    await hub.unsubscribe(group, socket)
