"""Live events go out only after the write commits, never for a rolled-back write, and a broken
channel layer never undoes a committed write."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from forum.core import realtime


@pytest.fixture
def listen():
    """listen() -> drain: a new channel in the group `test.group`; drain() returns what it received.
    Each channel is drained once (channels-redis binds a channel's buffer to one event loop)."""
    layer = get_channel_layer()
    channels = []

    def make():
        channel = async_to_sync(layer.new_channel)("test.")
        async_to_sync(layer.group_add)("test.group", channel)
        channels.append(channel)

        async def drain():
            import asyncio

            received = []
            while True:
                try:
                    received.append(await asyncio.wait_for(layer.receive(channel), timeout=0.3))
                except TimeoutError:
                    return received

        return async_to_sync(drain)

    yield make
    for channel in channels:
        async_to_sync(layer.group_discard)("test.group", channel)


@pytest.mark.django_db(transaction=True)
def test_broadcast_waits_for_the_commit(listen):
    during, after = listen(), listen()
    with transaction.atomic():
        realtime.broadcast_on_commit("test.group", {"type": "test.happened", "n": 1})
        assert during() == []  # not before the commit
    assert after() == [{"type": realtime.RELAY_HANDLER, "group": "test.group", "event": {"type": "test.happened", "n": 1}}]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_for_a_rolled_back_write(listen):
    drain = listen()
    with pytest.raises(RuntimeError), transaction.atomic():
        realtime.broadcast_on_commit("test.group", {"type": "test.happened"})
        raise RuntimeError("the write failed")
    assert drain() == []


def test_a_broken_channel_layer_is_logged_not_raised(settings, caplog):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}}
    realtime.broadcast("test.group", {"type": "test.happened"})
    assert "broadcast to test.group failed" in caplog.text


def test_user_groups_are_built_from_ids_only():
    assert realtime.user_group(42) == "user.42"
    with pytest.raises(ValueError):
        realtime.user_group("42; drop")
