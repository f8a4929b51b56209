"""The write fast path (`forum.core.fastsend`, `forum.core.server.BoundedWebSocketProtocol.send_prepared`):
the same bytes as daphne's own `send`, in order with it, nothing after close, a client that never
reads still dropped; and the ordinary `send` whenever the server offers no connection.

A real daphne process (`python -m forum.core.server`) serves `tests/core/fastsend_app.py`.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket

import pytest
import websockets
from channels.testing import WebsocketCommunicator

from forum.core import fastsend
from tests.core.real_server import real_server, rss_kib

LIMIT = 256 * 1024




@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with real_server("tests.core.fastsend_app:application", tmp_path_factory.mktemp("fastsend"),
                     FORUM_WS_SEND_BUFFER_MAX_BYTES=str(LIMIT)) as (port, process):
        yield port, process.pid


def _raw_socket(port: int, *, rcvbuf: int | None = None) -> socket.socket:
    raw = socket.socket()
    if rcvbuf:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    raw.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    raw.sendall((f"GET /ws/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += raw.recv(1)  # the handshake only, byte by byte, so no frame is read
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return raw


def _masked(text: str) -> bytes:
    """A client's text frame (clients must mask)."""
    payload, mask = text.encode(), os.urandom(4)
    assert len(payload) <= 125
    return bytes((0x81, 0x80 | len(payload))) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _read_exactly(raw: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = raw.recv(size - len(data))
        assert chunk, "the connection ended"
        data += chunk
    return data


def _read_frame(raw: socket.socket) -> bytes:
    """One whole server frame, header included, as the server wrote it."""
    head = _read_exactly(raw, 2)
    size = head[1] & 0x7F
    extra = b""
    if size == 126:
        extra = _read_exactly(raw, 2)
        size = int.from_bytes(extra, "big")
    elif size == 127:
        extra = _read_exactly(raw, 8)
        size = int.from_bytes(extra, "big")
    return head + extra + _read_exactly(raw, size)


@pytest.mark.parametrize("size", [10, 100, 40_000])  # 20 B, 200 B (16-bit length), 80 KB (64-bit length)
def test_the_fast_path_writes_the_bytes_daphne_writes(server, size):
    port, _pid = server
    raw = _raw_socket(port)
    raw.settimeout(10)
    try:
        raw.sendall(_masked("path"))
        assert _read_frame(raw) == b"\x81\x04fast"  # the connection survived the middlewares' scope copies
        raw.sendall(_masked(f"twice {size}"))
        fast, asgi = _read_frame(raw), _read_frame(raw)
    finally:
        raw.close()
    assert fast == asgi
    assert fast == fastsend.text_frame(("é" * size).encode())


def test_fast_path_frames_and_asgi_frames_keep_their_order(server):
    port, _pid = server

    async def run():
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws/", max_size=None, max_queue=None) as client:
            await client.send("mixed 2000")
            frames = [await asyncio.wait_for(client.recv(), 20) for _ in range(2001)]
        return frames

    frames = asyncio.run(run())
    assert frames[-1] == "fast 1000"  # every other frame went by the fast path
    assert [int(frame[:6]) for frame in frames[:-1]] == list(range(2000))
    assert all(frame == f"{n:06d} " + "y" * (n % 50) for n, frame in enumerate(frames[:-1]))


def test_a_closed_socket_gets_nothing_more_and_nothing_is_raised(server):
    port, _pid = server
    raw = _raw_socket(port)
    raw.settimeout(10)
    try:
        raw.sendall(_masked("close"))
        first = _read_frame(raw)
        raw.settimeout(1)
        after = b""
        try:
            while chunk := raw.recv(1 << 16):
                after += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    finally:
        raw.close()
    assert first[0] == 0x88, first  # the close frame
    assert after == b"", after  # and no frame after it

    async def read_log():
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws/") as other:
            await other.send("log")
            return await asyncio.wait_for(other.recv(), 10)

    # Handled (discarded) by the fast path, without an exception.
    assert asyncio.run(read_log()).split(" | ")[-1] == "fast True"


def test_a_client_that_never_reads_is_dropped_on_the_fast_path_too(server):
    port, pid = server
    count, size = 400, 16 * 1024  # 6.4 MiB to every socket, 25 times the bound

    async def run():
        raw = await asyncio.to_thread(_raw_socket, port, rcvbuf=4096)
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws/", max_size=None, max_queue=None) as reader:
            await reader.send("sockets")
            before = int((await reader.recv()).split()[1])
            rss_before = rss_kib(pid)
            await reader.send(f"burst {count} {size}")
            numbers = [int((await asyncio.wait_for(reader.recv(), 30))[:6]) for _ in range(count)]
            rss_growth = rss_kib(pid) - rss_before
            await reader.send("sockets")
            after = int((await asyncio.wait_for(reader.recv(), 10)).split()[1])
        raw.settimeout(5)
        unread, ended = 0, False
        try:
            while chunk := raw.recv(1 << 16):
                unread += len(chunk)
            ended = True
        except (ConnectionResetError, BrokenPipeError):
            ended = True
        except TimeoutError:
            pass
        raw.close()
        return before, numbers, rss_growth, after, unread, ended

    before, numbers, rss_growth, after, unread, ended = asyncio.run(run())
    assert numbers == list(range(count))  # the reader got everything, in order
    assert after == before - 1, "the server still holds the socket that never read"
    assert ended, "the slow connection was not closed"
    assert unread < count * size / 2, f"the slow reader was sent {unread} bytes"
    assert rss_growth < 4 * 1024, f"the server grew by {rss_growth} KiB"


# --- without our daphne: the ordinary send ----------------------------------------------------------

@pytest.mark.django_db
async def test_without_the_connection_in_the_scope_send_text_uses_the_consumers_send():
    from tests.core.fastsend_app import Socket

    communicator = WebsocketCommunicator(Socket.as_asgi(), "/ws/")
    connected, _code = await communicator.connect()
    assert connected
    await communicator.send_to(text_data="path")
    assert await communicator.receive_from() == "asgi"
    await communicator.send_to(text_data="mixed 4")
    assert [await communicator.receive_from() for _ in range(5)] == [
        "000000 ", "000001 y", "000002 yy", "000003 yyy", "fast 0"]
    await communicator.disconnect()


class _Consumer:
    def __init__(self, scope):
        self.scope = scope
        self.sent: list[str] = []

    async def send(self, text_data=None):
        self.sent.append(text_data)


class _Connection:
    def __init__(self, answer: bool):
        self.answer = answer
        self.frames: list[fastsend.Frame] = []

    def send_prepared(self, frame):
        self.frames.append(frame)
        return self.answer


async def test_a_socket_not_accepted_yet_falls_back_to_send():
    connection = _Connection(answer=False)  # what send_prepared says before the handshake is answered
    consumer = _Consumer({fastsend.PROTOCOL_KEY: connection})
    assert await fastsend.send_text(consumer, "hello") is False
    assert consumer.sent == ["hello"]


async def test_the_same_text_is_encoded_and_framed_once():
    connection = _Connection(answer=True)
    consumers = [_Consumer({fastsend.PROTOCOL_KEY: connection}) for _ in range(3)]
    text = "مرحبا " * 30
    for consumer in consumers:
        assert await fastsend.send_text(consumer, text) is True
    assert all(consumer.sent == [] for consumer in consumers)
    first = connection.frames[0]
    assert all(frame is first for frame in connection.frames)
    assert first.payload == text.encode() and first.wire == b"\x81\x7e" + len(first.payload).to_bytes(2, "big") + \
        first.payload
    assert fastsend.prepare(text) is first
    equal = "".join(["مرحبا "] * 30)  # another object with the same text: framed afresh, to the same bytes
    assert equal is not text and fastsend.prepare(equal) is not first
    assert fastsend.prepare(equal).wire == first.wire


# --- write_through: the socket at once when nothing waits ---------------------------------------------

class _Reactor:
    def __init__(self):
        self.writers: set = set()

    def addWriter(self, writer):  # noqa: N802 - twisted's name
        self.writers.add(writer)

    def removeWriter(self, writer):  # noqa: N802 - twisted's name
        self.writers.discard(writer)


def _connection():
    from twisted.internet import tcp

    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    theirs.settimeout(1)
    reactor = _Reactor()
    connection = tcp.Connection(ours, None, reactor)
    connection.connected = True
    connection.producer = object()  # daphne's HTTP channel is registered as the producer
    return connection, reactor, theirs


def test_write_through_writes_to_the_socket_at_once_when_nothing_waits():
    from forum.core.server import write_through

    connection, reactor, theirs = _connection()
    write_through(connection, b"frame")
    assert theirs.recv(100) == b"frame"
    assert connection._tempDataLen == 0 and not reactor.writers  # nothing left for a later turn


def test_write_through_queues_behind_what_waits_and_keeps_what_the_kernel_refuses():
    from forum.core.server import buffered_bytes, write_through

    connection, reactor, theirs = _connection()
    connection.write(b"first")  # waiting in twisted's buffer for the loop's next turn
    write_through(connection, b"second")
    assert connection._tempDataBuffer == [b"first", b"second"] and reactor.writers == {connection}
    theirs.settimeout(0.2)
    with pytest.raises(TimeoutError):
        theirs.recv(100)  # nothing was sent ahead of "first"
    connection, reactor, theirs = _connection()
    big = b"x" * (8 << 20)  # more than the kernel's socket buffers hold
    write_through(connection, big)
    assert 0 < buffered_bytes(connection) < len(big) and reactor.writers == {connection}
