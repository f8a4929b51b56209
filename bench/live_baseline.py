"""The baseline for `bench/live_fanout.py`: a plain Channels room, every socket a member of one group.

Each socket joins the group on the channel layer; each `send` frame is one `group_send` to it, which
the layer turns into one message per socket (the textbook Channels chat room). It speaks just
enough of the room protocol (`join` → `hello`, `send` → `ack` and a `message` frame to the group)
for the benchmark's clients to measure it exactly as they measure the real room. It is kinder to
itself than the real room: no session check, no database, no rate limit, the frame serialised once.

    DJANGO_SETTINGS_MODULE=config.settings.base REDIS_URL=redis://127.0.0.1:6379/15 \
        PYTHONPATH=.:bench python -m forum.core.server -p 8800 live_baseline:application

Not part of the site: nothing in `forum/` imports it.
"""

from __future__ import annotations

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

GROUP = "bench.baseline.room"


class PlainRoomConsumer(AsyncWebsocketConsumer):
    """One group for the room; one `group_send` per message; the layer delivers per socket."""

    async def connect(self):
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        frame = json.loads(text_data or "{}")
        kind = frame.get("type")
        if kind == "join":
            await self.send(text_data=json.dumps({"type": "hello", "room": 0, "seq": None}))
        elif kind == "send":
            text = json.dumps({"type": "message", "seq": None, "id": None, "client_id": frame.get("client_id"),
                               "html": str(frame.get("body", ""))})
            await self.channel_layer.group_send(GROUP, {"type": "room.message", "text": text})
            await self.send(text_data=json.dumps({"type": "ack", "client_id": frame.get("client_id"),
                                                  "id": None, "seq": None}))
        elif kind == "ping":
            await self.send(text_data=json.dumps({"type": "pong", "seq": None}))

    async def room_message(self, event):
        await self.send(text_data=event["text"])


application = ProtocolTypeRouter({
    "websocket": URLRouter([path("ws/rooms/<int:room>/", PlainRoomConsumer.as_asgi())]),
})
