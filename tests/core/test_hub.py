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
from forum.core.realtime import RELAY_HANDLER
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
    await layer.group_send(group, {"type": RELAY_HANDLER, "event": event})


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
    assert not hub.groups[group].task.done()
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
    for entry in hub.groups.values():  # the process dies without a word
        entry.task.cancel()
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
    for entry in two.groups.values():
        entry.task.cancel()
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
    hub.groups[group].task.cancel()  # restart the loop on the broken layer
    hub.groups[group].task = asyncio.ensure_future(hub._receive_loop(hub.groups[group]))
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
