"""The room socket on the production channel layer (channels-redis on a real Redis): room events
and presence cross server processes through each process's hub. Skipped without Redis, failed with
REQUIRE_SERVICES=1.

"Another process" is a second `Hub` on a `RedisChannelLayer` of its own, as another daphne would have.
"""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers, get_channel_layer
from django.conf import settings

from forum.core.hub import Hub
from forum.live import events
from tests.conftest import require_service
from tests.live.socket_helpers import *  # noqa: F403  (the room socket's fixtures)
from tests.live.socket_helpers import Room

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_layer():
    require_service(bool(getattr(settings, "REDIS_URL", "")), "Redis (REDIS_URL)")
    channel_layers.backends = {}
    yield get_channel_layer()
    channel_layers.backends = {}


class Listener:
    """A socket of the other process."""

    def __init__(self):
        self.events = []

    async def deliver(self, event, text):
        self.events.append(event)


async def test_room_events_and_presence_cross_processes(redis_layer, room, make_user, cookie_for):
    from channels_redis.core import RedisChannelLayer

    assert isinstance(redis_layer, RedisChannelLayer)
    alice, carol = await sync_to_async(make_user)(), await sync_to_async(make_user)(display_name="Carol")
    other_layer = RedisChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])
    other = Hub(other_layer)
    other.heartbeat_debounce, other.tick_seconds, other.presence_interval = 0.05, 0.02, 0.1
    listener = Listener()
    group = events.room_group(room.pk)
    await other.subscribe(group, listener, {"id": carol.pk, "name": "Carol", "organisation": None,
                                            "observer": False})
    try:
        a = await Room.open(room.pk, await sync_to_async(cookie_for)(alice))
        # Carol, connected to the other process, is counted here within a moment.
        presence = await a.next("presence", quiet={"typing"}, timeout=5)
        while presence["count"] != 2:
            presence = await a.next("presence", quiet={"typing"}, timeout=5)
        client_id = await a.say("across processes")
        frames = [await a.next(), await a.next()]
        assert sorted(f["type"] for f in frames) == ["ack", "message"]
        for _ in range(100):
            if any(e["type"] == "message" for e in listener.events):
                break
            await asyncio.sleep(0.05)
        messages = [e for e in listener.events if e["type"] == "message"]
        assert [m["client_id"] for m in messages] == [client_id]
        assert other.presence(group)["count"] == 2
        await a.close()
        for _ in range(100):
            if other.presence(group)["count"] == 1:
                break
            await asyncio.sleep(0.05)
        assert other.presence(group)["count"] == 1
    finally:
        await other.unsubscribe(group, listener)
        await other_layer.close_pools()
