"""The baseline for `bench/thread_fanout.py`: a plain Channels thread socket, every socket a member of
the thread's group on the channel layer (the textbook Channels way).

Each socket joins `discussions.thread.<id>` itself; each event the site broadcasts there (one
`group_send`, `forum.core.realtime`) becomes one message per socket in Redis. It speaks just enough
of the thread protocol for the benchmark's readers to measure it exactly as they measure the real
page: `hello {seq}` on connect, relayed events as they come, `resume` answered with `resumed` (it
replays nothing: a lost event stays lost). It is kinder to itself than the real socket: no session
or access check, the event serialised per socket but nothing else.

    DJANGO_SETTINGS_MODULE=config.settings.base REDIS_URL=redis://127.0.0.1:6379/14 \
        PYTHONPATH=.:bench python -m forum.core.server -p 8800 thread_baseline:application

Not part of the site: nothing in `forum/` imports it.
"""

from __future__ import annotations

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup()

from asgiref.sync import sync_to_async  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from forum.discussions import events  # noqa: E402


class PlainThreadConsumer(AsyncWebsocketConsumer):
    """One group membership per socket; the layer delivers every event to every socket."""

    async def connect(self):
        self.thread_id = int(self.scope["url_route"]["kwargs"]["thread_id"])
        self.group = events.thread_group(self.thread_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        seq = await sync_to_async(events.current_seq)(self.thread_id)
        await self.send(text_data=json.dumps(events.hello(seq)))

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        frame = json.loads(text_data or "{}")
        if frame.get("type") == "resume":
            await self.send(text_data=json.dumps({"type": "resumed", "seq": None, "last_post_id": None}))

    async def relay_event(self, message):
        await self.send(text_data=json.dumps(message["event"]))


application = ProtocolTypeRouter({
    "websocket": URLRouter([path("ws/threads/<int:thread_id>/", PlainThreadConsumer.as_asgi())]),
})
