"""A small application for `test_fastsend.py`, served by our daphne (`python -m forum.core.server`):
a channels consumer behind the session and auth middlewares (which copy the scope, as the site's
stack does), writing with `forum.core.fastsend.send_text` and with its ordinary `send`.

Text frames it understands (each socket is in one process-local set, as the hub's room is):
- `"path"`: answers `"fast"` when the scope carries the connection (`fastsend.PROTOCOL_KEY`), else `"asgi"`;
- `"twice <size>"`: the same text of `size` characters, once by the fast path, once by `send`;
- `"mixed <count>"`: numbered frames, alternately by the fast path and by `send`, then `"fast <n>"`
  (how many went by the fast path);
- `"burst <count> <size>"`: `count` numbered frames of `size` bytes to every socket by the fast path,
  one every millisecond (see broadcast_app.py);
- `"close"`: closes the socket, then sends it a frame by the fast path; the outcome is kept for `"log"`;
- `"sockets"`, `"log"`: how many sockets the process holds; what the last `"close"` did.
"""

import asyncio

import django

django.setup()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402

from forum.core import fastsend  # noqa: E402

sockets: set = set()
log: list[str] = []


class Socket(AsyncWebsocketConsumer):
    async def connect(self):
        await self.accept()
        sockets.add(self)

    async def disconnect(self, code):
        sockets.discard(self)

    async def receive(self, text_data=None, bytes_data=None):
        words = (text_data or "").split()
        if words == ["path"]:
            await self.send(text_data="fast" if fastsend.PROTOCOL_KEY in self.scope else "asgi")
        elif words[:1] == ["twice"]:
            text = "é" * int(words[1])  # two bytes a character in UTF-8
            await fastsend.send_text(self, text)
            await self.send(text_data=text)
        elif words[:1] == ["mixed"]:
            fast = 0
            for n in range(int(words[1])):
                text = f"{n:06d} " + "y" * (n % 50)
                if n % 2:
                    await self.send(text_data=text)
                else:
                    fast += await fastsend.send_text(self, text)
            await self.send(text_data=f"fast {fast}")
        elif words[:1] == ["burst"]:
            count, size = int(words[1]), int(words[2])
            for n in range(count):
                text = f"{n:06d} " + "x" * size
                for each in list(sockets):
                    await fastsend.send_text(each, text)
                await asyncio.sleep(0.001)
        elif words == ["close"]:
            await self.close()
            try:
                fast = await fastsend.send_text(self, "after close")
            except Exception as exc:  # noqa: BLE001 - reported to the test
                log.append(f"raised {exc!r}")
            else:
                log.append(f"fast {fast}")
        elif words == ["sockets"]:
            await self.send(text_data=f"sockets {len(sockets)}")
        elif words == ["log"]:
            await self.send(text_data=" | ".join(log))


application = AuthMiddlewareStack(Socket.as_asgi())
