"""Driving `ws/rooms/<id>/` in tests: a signed-in socket that collects frames by type, and the
fixtures every socket test uses (import them: `from tests.live.socket_helpers import *`)."""

from __future__ import annotations

import json
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from forum.core.hub import Hub

__all__ = ["Room", "_close_thread_connections", "_fresh_channel_layer", "_quick_presence", "cookie_for", "headers",
           "room"]


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    """Every socket a test opened is ended as daphne ends it (`websocket.disconnect`, also after
    the server closed it: on real Redis a consumer left waiting hangs the event loop's shutdown);
    then the worker threads' database connections are closed, so the test database can be dropped."""
    Room.opened = []
    yield
    for room in Room.opened:
        await room.close()
    Room.opened = []
    from django.db import connections

    from forum.core import dbthreads

    await dbthreads.shutdown()
    await sync_to_async(connections.close_all)()


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """A channel layer of this test's own: a Redis layer (REDIS_URL) holds state of the event loop
    it received on, and each test runs in a loop of its own."""
    from channels.layers import channel_layers

    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


@pytest.fixture(autouse=True)
def _quick_presence(monkeypatch):
    """Presence is told within a tenth of a second here (a second in production)."""
    monkeypatch.setattr(Hub, "presence_interval", 0.1)
    monkeypatch.setattr(Hub, "heartbeat_debounce", 0.05)
    monkeypatch.setattr(Hub, "tick_seconds", 0.02)


@pytest.fixture
def cookie_for():
    """cookie_for(user) -> a session cookie of its own (one test client signing in several users
    would end the earlier sessions, and their sockets would close)."""
    from django.test import Client

    clients = {}

    def make(user):
        client = clients[user.pk] = Client()
        client.force_login(user)
        return f"sessionid={client.cookies['sessionid'].value}"

    make.clients = clients
    return make


@pytest.fixture
def room(make_session):
    """An open room for all members."""
    return make_session(state="open")

QUIET = frozenset({"presence", "typing"})  # ephemeral: skipped unless a test asks for them


def headers(cookie=None, origin="http://localhost"):
    result = [(b"origin", origin.encode()), (b"host", b"localhost")]
    if cookie:
        result.append((b"cookie", cookie.encode()))
    return result


class Room:
    """One open room socket."""

    opened: list[Room] = []

    def __init__(self, communicator):
        self.c = communicator
        self.seen: list[dict] = []
        self.ended = False
        Room.opened.append(self)

    @classmethod
    async def open(cls, session_id, cookie, *, join=True, after_seq=None):
        communicator = WebsocketCommunicator(application, f"/ws/rooms/{session_id}/", headers=headers(cookie))
        connected, code = await communicator.connect(timeout=5)
        assert connected, code
        room = cls(communicator)
        if join:
            await room.send({"type": "join", "after_seq": after_seq})
            room.hello = await room.next("hello")
        return room

    async def send(self, frame):
        await self.c.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))

    async def next(self, kind=None, *, timeout=3, quiet=QUIET):
        """The next frame (of `kind` when given: anything else before it is an error), skipping `quiet` ones."""
        while True:
            output = await self.c.receive_output(timeout=timeout)
            if output["type"] == "websocket.close":
                frame = {"type": "close", "code": output.get("code")}
            else:
                frame = json.loads(output["text"])
            self.seen.append(frame)
            if frame["type"] in quiet and frame["type"] != kind:
                continue
            assert kind is None or frame["type"] == kind, (kind, frame)
            return frame

    async def frames(self, *, timeout=0.5, quiet=QUIET) -> list[dict]:
        """Every frame that arrives until nothing comes for `timeout` (quiet ones skipped)."""
        got = []
        while not await self.c.receive_nothing(timeout=timeout):
            output = await self.c.receive_output()
            if output["type"] == "websocket.close":
                got.append({"type": "close", "code": output.get("code")})
                break
            frame = json.loads(output["text"])
            self.seen.append(frame)
            if frame["type"] not in quiet:
                got.append(frame)
        return got

    async def say(self, body, client_id=None):
        client_id = client_id or str(uuid.uuid4())
        await self.send({"type": "send", "client_id": client_id, "body": body})
        return client_id

    async def ping(self):
        await self.send({"type": "ping"})
        return await self.next("pong")

    async def close(self):
        if not self.ended:
            self.ended = True
            await self.c.disconnect(timeout=5)
