"""Overload is not a refusal (`forum.core.server`): a WebSocket handshake the application has not
answered in time gets `503 Service Unavailable` with `Retry-After`, never daphne's `403`; an
application's own refusal is still 403; the listen backlog and the handshake timeout are ours.

Issue #8's drop-all storm: 1,000 clients coming back at once queued their connect checks for the
database past daphne's 5 s; those handshakes were answered 403 ("forbidden") or dropped without an
answer.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from forum.core import server as forum_server
from tests.core.real_server import real_server

TIMEOUT = 1  # --websocket_connect_timeout for the server under test



@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("overload")
    log = directory / "server.log"
    with real_server("tests.core.broadcast_app:application", directory, log=log,
                     args=("--websocket_connect_timeout", str(TIMEOUT))) as (port, _process):
        yield port, log


def _handshake(port: int, path: str, wait: float = 15) -> tuple[str, float]:
    """Send a WebSocket upgrade for `path`; the HTTP answer's head and how long it took."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as raw:
        key = base64.b64encode(os.urandom(16)).decode()
        raw.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                     f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = raw.recv(4096)
            if not chunk:
                break  # the server hung up
            answer += chunk
    return answer.split(b"\r\n\r\n", 1)[0].decode("latin-1"), time.monotonic() - started


def test_a_handshake_not_answered_in_time_is_told_to_come_back_not_refused(server):
    port, _log = server
    head, took = _handshake(port, "/ws/never/")
    assert head.startswith("HTTP/1.1 503 "), head  # not 403, and not a hang-up without a word
    assert "Retry-After: 5" in head.split("\r\n")
    assert TIMEOUT <= took < TIMEOUT + 4, took  # daphne's timeout check runs every 2 s


def test_a_refusal_by_the_application_is_still_403(server):
    port, _log = server
    head, took = _handshake(port, "/ws/refuse/")
    assert head.startswith("HTTP/1.1 403 "), head
    assert took < TIMEOUT + 1


def test_the_server_listens_with_our_backlog(server):
    """`ss` shows a listening socket's backlog as its Send-Q (twisted's own default: 50)."""
    port, _log = server
    if shutil.which("ss") is None:
        pytest.fail("`ss` (iproute2) is needed to read the listen backlog; .ci/run installs it")
    listing = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout
    backlogs = {int(line.split()[2]) for line in listing.splitlines() if line.strip()}
    assert backlogs == {min(forum_server.LISTEN_BACKLOG, _somaxconn())}, listing


def _somaxconn() -> int:
    return int(Path("/proc/sys/net/core/somaxconn").read_text())


def test_the_handshake_timeout_and_backlog_defaults():
    cli = forum_server.ForumCommandLine()
    args = cli.parser.parse_args(["config.asgi:application"])
    assert args.websocket_connect_timeout == forum_server.HANDSHAKE_SECONDS == 20  # daphne's: 5
    assert args.backlog == forum_server.LISTEN_BACKLOG == 1024
    made = forum_server.Server(application=None, endpoints=["tcp:port=8000:interface=127.0.0.1", "fd:fileno=3"],
                               websocket_connect_timeout=20)
    assert made.endpoints == ["tcp:port=8000:interface=127.0.0.1:backlog=1024", "fd:fileno=3"]
    assert made.websocket_handshake_timeout == 23  # autobahn's silent drop comes after our 503


@pytest.mark.parametrize(("description", "expected"), [
    ("tcp:port=80:interface=0.0.0.0", "tcp:port=80:interface=0.0.0.0:backlog=64"),
    ("unix:/run/forum.sock", "unix:/run/forum.sock:backlog=64"),
    ("fd:fileno=3", "fd:fileno=3"),  # an inherited socket: already listening
    ("tcp:port=80:backlog=10", "tcp:port=80:backlog=10"),  # given: kept
])
def test_with_backlog(description, expected):
    assert forum_server.with_backlog(description, 64) == expected
