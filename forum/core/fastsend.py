"""The hub's writes to sockets, with the per-event work paid once per event, not once per socket.

A room event reaches every socket of the room in this process (`forum.core.hub`), already serialised
once. Sent through a consumer's `send`, each of a thousand copies was encoded to UTF-8 again, passed
through every ASGI middleware's `send` wrapper, checked by daphne, and framed by autobahn: most of the
server's CPU per delivery (docs/performance.md, "The write fast path"). Here:

- `prepare(text)` encodes the text and builds its WebSocket frame once, remembered for the few texts
  sent last (the same `str` object is handed to every socket of the room);
- `send_text(consumer, text)` writes that frame straight to the connection when the socket is served
  by our daphne (`forum.core.server` puts the connection into the scope under `PROTOCOL_KEY`; the
  connection's `send_prepared` decides), and otherwise (another ASGI server, the tests'
  `WebsocketCommunicator`, a socket not accepted yet) goes through `consumer.send` as before.

Order with the socket's other frames: daphne's ASGI `send` writes to the connection before it
returns (no middleware in `config/asgi.py` waits on anything for `websocket.send`; daphne and
autobahn queue nothing unless asked), and so does this path, so frames leave in the order the
sends were made, whichever way each went. A middleware that changed `websocket.send` messages
would be bypassed here: it must turn the fast path off for its sockets (remove `PROTOCOL_KEY`).

Only the asyncio loop's thread calls these (consumers and the hub run there): the memo has no lock.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

# The scope key under which `forum.core.server` hands the consumer its daphne connection.
PROTOCOL_KEY = "_forum_ws_protocol"

MEMO_SIZE = 8  # texts remembered: the hub writes one event to every socket before the next


@dataclass(frozen=True, slots=True)
class Frame:
    """One text message ready to go: its UTF-8 payload, and the whole server→client WebSocket frame
    (final, unmasked, uncompressed), the same bytes for every connection that negotiated no extension."""

    text: str
    payload: bytes
    wire: bytes


def text_frame(payload: bytes) -> bytes:
    """An unfragmented, unmasked text frame carrying `payload` (RFC 6455, section 5.2)."""
    size = len(payload)
    if size <= 125:
        head = struct.pack("!BB", 0x81, size)
    elif size <= 0xFFFF:
        head = struct.pack("!BBH", 0x81, 126, size)
    else:
        head = struct.pack("!BBQ", 0x81, 127, size)
    return head + payload


_memo: dict[int, Frame] = {}


def prepare(text: str) -> Frame:
    """The frame for `text`, built once for the same `str` object (kept alive by the memo, so its id
    is not reused while remembered)."""
    frame = _memo.get(id(text))
    if frame is not None and frame.text is text:
        return frame
    payload = text.encode("utf-8")
    frame = Frame(text, payload, text_frame(payload))
    if len(_memo) >= MEMO_SIZE:
        del _memo[next(iter(_memo))]
    _memo[id(text)] = frame
    return frame


async def send_text(consumer: Any, text: str) -> bool:
    """Send `text` on `consumer`'s socket; True when it went by the fast path (written, or dropped
    because the socket is closing or closed), False when through `consumer.send`."""
    protocol = consumer.scope.get(PROTOCOL_KEY)
    if protocol is not None and protocol.send_prepared(prepare(text)):
        return True
    await consumer.send(text_data=text)
    return False
