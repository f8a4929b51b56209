"""A WebSocket client that never reads is dropped by our daphne before it costs memory, and the
room goes on for the others (`forum.core.server.BoundedWebSocketProtocol`).

A real daphne process (`python -m forum.core.server`) serves a minimal room
(`tests/core/broadcast_app.py`); one client reads everything, another opens a raw socket with a
small receive window and never reads a byte.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import time

import pytest
import websockets

from tests.core.real_server import real_server, rss_kib

LIMIT = 256 * 1024




@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with real_server("tests.core.broadcast_app:application", tmp_path_factory.mktemp("slow"),
                     FORUM_WS_SEND_BUFFER_MAX_BYTES=str(LIMIT)) as (port, process):
        yield port, process.pid


def _open_raw_socket_that_never_reads(port: int) -> socket.socket:
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window: the server's buffer fills
    raw.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    raw.sendall((f"GET /ws/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += raw.recv(1)  # the handshake only, byte by byte, so no frame is read
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return raw


def _drain(raw: socket.socket, timeout: float) -> tuple[int, bool]:
    """Read what the server left for the raw socket: (bytes, whether the connection ended)."""
    raw.settimeout(timeout)
    total = 0
    try:
        while chunk := raw.recv(1 << 16):
            total += len(chunk)
    except (ConnectionResetError, BrokenPipeError):
        return total, True
    except TimeoutError:
        return total, False
    return total, True


def test_a_client_that_never_reads_is_dropped_and_the_room_goes_on(server):
    port, pid = server
    count, size = 400, 16 * 1024  # 6.4 MiB to every socket, 25 times the bound

    async def run():
        raw = await asyncio.to_thread(_open_raw_socket_that_never_reads, port)
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws/", max_size=None, max_queue=None) as reader:
            await reader.send("sockets")
            assert await reader.recv() == "sockets 2"
            rss_before = rss_kib(pid)
            started = time.monotonic()
            await reader.send(f"burst {count} {size}")
            numbers = []
            for _ in range(count):
                frame = await asyncio.wait_for(reader.recv(), 30)
                numbers.append(int(frame[:6]))
            elapsed = time.monotonic() - started
            assert numbers == list(range(count))  # the reader got everything, in order
            rss_growth = rss_kib(pid) - rss_before
            await reader.send("sockets")
            remaining = await asyncio.wait_for(reader.recv(), 10)
        unread, ended = await asyncio.to_thread(_drain, raw, 5)
        raw.close()
        return elapsed, rss_growth, remaining, unread, ended

    elapsed, rss_growth, remaining, unread, ended = asyncio.run(run())
    assert remaining == "sockets 1", "the server still holds the socket that never read"
    assert ended, "the slow connection was not closed"
    assert unread < count * size / 2, f"the slow reader was sent {unread} bytes"
    assert elapsed < 20, f"the reader waited {elapsed:.1f} s for the burst"
    # Without the bound the process would hold the slow socket's 6.4 MiB.
    assert rss_growth < 4 * 1024, f"the server grew by {rss_growth} KiB"
