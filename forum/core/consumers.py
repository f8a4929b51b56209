"""WebSocket plumbing shared by every consumer, and the authenticated ping socket."""

from __future__ import annotations

import json
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils.translation import gettext as _

# Close codes (documented in docs/live-protocol.md).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404

MAX_FRAME_BYTES = 16 * 1024


class JsonConsumer(AsyncWebsocketConsumer):
    """A consumer speaking JSON text frames: `{"type": ..., ...}` in, events out.

    Bad frames get an `error` event with a stable `code` and a translated `message`; the
    connection stays open. Broadcasts arrive through `relay_event` and are sent as they are.
    """

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self.send_error("bad_frame", _("Only text frames are accepted."))
            return
        if len(text_data.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
            await self.send_error("too_large", _("This message is too large."))
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self.send_error("bad_json", _("This message is not valid JSON."))
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self.send_error("bad_frame", _("A message needs a type."))
            return
        await self.receive_frame(frame)

    async def receive_frame(self, frame: dict[str, Any]) -> None:
        await self.send_error("unknown_type", _("Unknown message type."))

    async def send_json(self, payload: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(payload, ensure_ascii=False, separators=(",", ":")))

    async def send_error(self, code: str, message: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "message": str(message), **extra})

    async def relay_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])


class PingConsumer(JsonConsumer):
    """`ws/ping/`: answers `{"type": "ping", "data": x}` with `{"type": "pong", "data": x}`.

    It exists so the whole socket path (origin check, session auth, routing) is tested end to end.
    """

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self.accept()

    async def receive_frame(self, frame: dict[str, Any]) -> None:
        if frame["type"] != "ping":
            await self.send_error("unknown_type", _("Unknown message type."))
            return
        await self.send_json({"type": "pong", "data": frame.get("data")})
