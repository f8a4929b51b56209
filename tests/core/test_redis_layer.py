"""The production channel layer (channels-redis on a real Redis, configured as in settings) keeps
idle sockets open, and /healthz answers at once while the process holds sockets."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections
from django.test import Client

from tests.conftest import require_service

pytestmark = pytest.mark.services


@pytest.fixture
def redis_layer():
    """The channel layer settings give with REDIS_URL, made fresh for this test's event loop."""
    require_service(bool(getattr(settings, "REDIS_URL", "")), "Redis (REDIS_URL)")
    channel_layers.backends = {}
    yield get_channel_layer()
    channel_layers.backends = {}


@pytest.fixture
async def close_connections():
    """The test's sync_to_async calls run on a worker thread whose database connection must go
    before the test database is dropped."""
    yield
    await sync_to_async(connections.close_all)()


async def _open_notification_socket(client, user):
    from config.asgi import application

    await sync_to_async(client.force_login)(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=[
        (b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie.encode())])
    connected, _ = await communicator.connect()
    assert connected
    assert json.loads(await communicator.receive_from())["type"] == "notifications.unread"
    return communicator


@pytest.mark.django_db(transaction=True)
async def test_an_idle_socket_stays_open_for_15_seconds_on_the_redis_layer(redis_layer, client, make_user, close_connections):
    from channels_redis.core import RedisChannelLayer

    from forum.core import realtime

    assert isinstance(redis_layer, RedisChannelLayer)
    member = await sync_to_async(make_user)()
    communicator = await _open_notification_socket(client, member)
    # Three of channels-redis's 5 s blocking reads pass with nothing to read.
    await asyncio.sleep(15)
    assert not communicator.future.done(), "the socket's consumer stopped while idle"
    assert await communicator.receive_nothing(timeout=0.1)
    # ...and it still hears its group.
    group = realtime.user_group(member.pk)
    await redis_layer.group_send(group, realtime.relay_message(group, {"type": "notifications.unread", "count": 7}))
    assert json.loads(await communicator.receive_from(timeout=5)) == {"type": "notifications.unread", "count": 7}
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_healthz_answers_within_a_second_while_sockets_are_open(redis_layer, client, make_user, close_connections):
    members = [await sync_to_async(make_user)() for _ in range(3)]
    sockets = [await _open_notification_socket(client, member) for member in members]
    await asyncio.sleep(1)  # the sockets' receive loop is now waiting on Redis
    for _ in range(3):
        started = time.monotonic()
        # Bounded here so a hanging check fails the test instead of stalling the run.
        response = await asyncio.wait_for(sync_to_async(Client().get, thread_sensitive=False)("/healthz"), 5)
        elapsed = time.monotonic() - started
        assert response.status_code == 200, response.content
        assert response.json()["checks"]["channel_layer"] == "ok"
        assert elapsed < 1.0, f"/healthz took {elapsed:.2f} s"
        await asyncio.sleep(2)
    for communicator in sockets:
        assert not communicator.future.done()
        await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_sockets_closing_beside_an_open_one_lose_none_of_its_events(redis_layer, client, make_user,
                                                                          close_connections, monkeypatch):
    """Pages open and close all the time (a form posted, a link followed) while others listen. Every
    socket once had its own layer channel and a receive task on it; on channels-redis a process's
    channels share one blocking pop, which any socket's task may be running, and a closing socket's
    task, cancelled between the pop and its backup write, lost what it had just taken: an event for
    another page of the process (a consultation page missed the second position). Redis is made a
    little slow to answer that write, so the moment is not left to chance."""
    import redis.asyncio

    from forum.core import realtime

    real_zadd = redis.asyncio.Redis.zadd

    async def slow_zadd(self, *args, **kwargs):
        await asyncio.sleep(0.05)
        return await real_zadd(self, *args, **kwargs)

    monkeypatch.setattr(redis.asyncio.Redis, "zadd", slow_zadd)
    reader, other = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    listening = await _open_notification_socket(client, reader)
    await sync_to_async(client.force_login)(other)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    group, total = realtime.user_group(reader.pk), 12

    async def open_page():
        from config.asgi import application

        page = WebsocketCommunicator(application, "/ws/ping/", headers=[
            (b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie.encode())])
        connected, _ = await page.connect()
        assert connected
        return page

    for number in range(total):
        pages = [await open_page() for _ in range(3)]
        await asyncio.sleep(0.1)  # every socket's receive is waiting now
        # An event is sent, and the other pages close at that moment (the posting page moving on).
        await redis_layer.group_send(group, realtime.relay_message(
            group, {"type": "notifications.unread", "count": number}))
        await asyncio.sleep(0.01)
        for page in pages:
            await page.disconnect()
    received = []
    while len(received) < total:
        try:
            received.append(json.loads(await listening.receive_from(timeout=3))["count"])
        except TimeoutError:
            break
    assert received == list(range(total))
    await listening.disconnect()
