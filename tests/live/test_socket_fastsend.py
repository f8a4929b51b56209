"""Room events reach a socket by the write fast path (`forum.core.fastsend`) when the server put its
connection into the scope (our daphne does: `forum.core.server`), and through the consumer's ASGI
`send` otherwise (here: channels' `WebsocketCommunicator`, as under any other ASGI server)."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from forum.core import fastsend
from tests.live.socket_helpers import *  # noqa: F403  (the room socket's fixtures)
from tests.live.socket_helpers import Room, headers

pytestmark = pytest.mark.django_db(transaction=True)


class Connection:
    """Stands for our daphne's connection (`BoundedWebSocketProtocol.send_prepared`): keeps the frames."""

    def __init__(self):
        self.frames: list[fastsend.Frame] = []

    def send_prepared(self, frame: fastsend.Frame) -> bool:
        self.frames.append(frame)
        return True


async def _open(room, cookie, connection=None) -> Room:
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/", headers=headers(cookie))
    if connection is not None:
        communicator.scope[fastsend.PROTOCOL_KEY] = connection
    connected, code = await communicator.connect(timeout=5)
    assert connected, code
    socket = Room(communicator)
    await socket.send({"type": "join"})
    await socket.next("hello")
    return socket


async def test_room_events_go_by_the_fast_path_when_the_connection_is_in_the_scope(room, member, cookie_for, say,
                                                                                    make_user):
    connection = Connection()
    socket = await _open(room, await sync_to_async(cookie_for)(member), connection)
    message = await sync_to_async(say)(room, await sync_to_async(make_user)(), "by the fast path")
    for _ in range(100):
        sent = [frame for frame in connection.frames if json.loads(frame.text)["type"] == "message"]
        if sent:
            break
        await asyncio.sleep(0.02)
    [frame] = sent
    event = json.loads(frame.text)
    assert event["type"] == "message" and event["id"] == message.pk and "by the fast path" in frame.text
    assert frame.wire == fastsend.text_frame(frame.text.encode("utf-8"))
    # Nothing of it came the other way; the socket's own answers still do.
    assert [f for f in await socket.frames() if f["type"] == "message"] == []
    assert (await socket.ping())["seq"] == message.seq


async def test_without_the_connection_room_events_come_through_the_asgi_send(room, member, cookie_for, say, make_user):
    socket = await _open(room, await sync_to_async(cookie_for)(member))
    message = await sync_to_async(say)(room, await sync_to_async(make_user)(), "through send")
    frame = await socket.next("message")
    assert frame["id"] == message.pk and "through send" in json.dumps(frame, ensure_ascii=False)
