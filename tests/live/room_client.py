"""What the fault tests run against: their own `redis-server`, their own daphne processes, and a room
client that keeps to the protocol as the page's script does (docs/live-protocol.md).

The client applies sequenced events in order: anything at or below the last `seq` it holds is not
shown again, a gap (an event past `last_seq + 1`, or a `pong` naming a later seq) is healed by
sending `join {after_seq}` again, and a lost connection is opened again (to the next server in its
list when one is gone) with `join {after_seq}`. A send is repeated with the same `client_id` until
it is acknowledged, so a repeat is harmless (the server answers it with the stored message).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, process: subprocess.Popen, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start on port {port}")


class RedisServer:
    """A `redis-server` of the test's own on a free port; no persistence, so a restart empties it."""

    def __init__(self, workdir: Path):
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port, self.process, 20, "redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


def server_environment(database: dict, redis_url: str) -> dict:
    """The environment of a daphne process serving the test database with the test's own Redis."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.base", "DEBUG": "1", "REDIS_URL": redis_url,
                "LOG_LEVEL": "WARNING", "FORUM_LIVE_MESSAGE_RATE": "100000/m",
                "FORUM_LIVE_QUESTION_RATE": "100000/m",
                "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])})
    if database["ENGINE"].endswith("sqlite3"):
        env["SQLITE_PATH"] = str(database["NAME"])
    else:
        user = quote(database.get("USER") or "")
        password = f":{quote(database['PASSWORD'])}" if database.get("PASSWORD") else ""
        host = database.get("HOST") or "127.0.0.1"
        port = database.get("PORT") or 5432
        env["DATABASE_URL"] = f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"
    return env


class Daphne:
    """`python -m forum.core.server` in a process of its own (so it can be killed outright)."""

    def __init__(self, env: dict, logdir: Path, name: str):
        self.port = free_port()
        self.log = logdir / f"{name}.log"
        self._handle = open(self.log, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "forum.core.server", "-b", "127.0.0.1", "-p", str(self.port),
             "config.asgi:application"], env=env, cwd=ROOT, stdout=self._handle, stderr=subprocess.STDOUT)
        _wait_port(self.port, self.process, 60, f"daphne {name}")

    def room_url(self, room_id: int) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/rooms/{room_id}/"

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no goodbye to the sockets, the channel layer or the database."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._handle.close()

    def output(self) -> str:
        self._handle.flush()
        return self.log.read_text(errors="replace")


class RoomClient:
    """One participant's socket, kept open and in order (see the module docstring)."""

    def __init__(self, urls: list[str], session_key: str, name: str = ""):
        self.urls = list(urls)
        self.name = name
        self.url_index = 0
        self.session_key = session_key
        self.ws = None
        self.last_seq: int | None = None
        self.shown: list[int] = []  # message ids, in the order applied
        self.seqs: list[int] = []  # the seq of each shown message
        self.redundant = 0  # frames at or below last_seq (not shown again)
        self.healing = False
        self.gap_heals = 0
        self.resyncs = 0
        self.connections = 0
        self.closes: list[int | None] = []
        self.answers: dict[str, list[dict]] = {}
        self.frames: list[dict] = []
        self.joined = asyncio.Event()
        self.running = False
        self.task: asyncio.Task | None = None

    # --- connection --------------------------------------------------------------------------

    def headers(self, url: str) -> dict:
        origin = "http://" + url.split("://", 1)[1].split("/", 1)[0]
        return {"Origin": origin, "Cookie": f"sessionid={self.session_key}"}

    async def start(self, timeout: float = 20) -> None:
        self.running = True
        self.task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.joined.wait(), timeout)

    async def _run(self) -> None:
        import websockets

        attempt = 0
        while self.running:
            url = self.urls[self.url_index % len(self.urls)]
            try:
                async with websockets.connect(url, additional_headers=self.headers(url), open_timeout=5,
                                              ping_interval=None, close_timeout=1) as ws:
                    self.ws = ws
                    self.connections += 1
                    await ws.send(json.dumps({"type": "join", "after_seq": self.last_seq}))
                    pinger = asyncio.create_task(self._ping(ws))
                    try:
                        async for raw in ws:
                            attempt = 0
                            self._on_frame(json.loads(raw))
                    finally:
                        pinger.cancel()
                        self.closes.append(ws.close_code)
            except (TimeoutError, OSError, websockets.exceptions.WebSocketException):
                self.url_index += 1  # that server may be gone: try the next one
            self.ws = None
            self.joined.clear()
            self.healing = False
            if not self.running:
                return
            attempt += 1
            await asyncio.sleep(min(2.0, 0.1 * 2 ** min(attempt, 5)) * (0.5 + random.random() / 2))

    async def _ping(self, ws) -> None:
        with contextlib.suppress(Exception):
            while True:
                await asyncio.sleep(0.5)
                await ws.send(json.dumps({"type": "ping"}))

    def drop(self) -> None:
        """Lose the connection without a close handshake (a phone losing its network)."""
        self.joined.clear()
        if self.ws is not None:
            self.ws.transport.abort()

    async def stop(self) -> None:
        self.running = False
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task

    async def _send(self, frame: dict) -> bool:
        ws = self.ws
        if ws is None:
            return False
        try:
            await ws.send(json.dumps(frame))
            return True
        except Exception:
            return False

    # --- frames ------------------------------------------------------------------------------

    def _on_frame(self, frame: dict) -> None:
        self.frames.append(frame)
        kind = frame.get("type")
        seq = frame.get("seq")
        if kind == "hello":
            if self.last_seq is None:
                self.last_seq = frame["seq"]
            self.healing = False
            self.joined.set()
        elif kind in ("ack", "error") and frame.get("client_id"):
            self.answers.setdefault(str(frame["client_id"]), []).append(frame)
        elif kind == "resync":
            self.resyncs += 1
        elif kind == "pong":
            if isinstance(seq, int) and self.last_seq is not None and seq > self.last_seq:
                self._heal()
        elif isinstance(seq, int) and self.last_seq is not None:
            if seq <= self.last_seq:
                self.redundant += 1
            elif seq > self.last_seq + 1:
                self._heal()
            else:
                self.last_seq = seq
                self.healing = False
                if kind == "message":
                    self.shown.append(frame["id"])
                    self.seqs.append(seq)

    def _heal(self) -> None:
        if not self.healing:
            self.healing = True
            self.gap_heals += 1
            asyncio.ensure_future(self._send({"type": "join", "after_seq": self.last_seq}))

    # --- sending -----------------------------------------------------------------------------

    async def send_message(self, body: str, *, client_id: str | None = None, timeout: float = 30,
                           retry_on=("unavailable",)) -> dict:
        """Send until acknowledged (the same client_id each time); the `ack` frame. An `error` whose
        code is not in `retry_on` is returned as it is."""
        client_id = client_id or str(uuid.uuid4())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = len(self.answers.get(client_id, []))
            if await self._send({"type": "send", "client_id": client_id, "body": body}):
                answer = await self._answer(client_id, seen, min(6.0, deadline - time.monotonic()))
                if answer is not None and answer["type"] == "ack":
                    return answer
                if answer is not None and answer.get("code") not in retry_on:
                    return answer
            await asyncio.sleep(0.2)
        raise AssertionError(f"{self.name}: no ack for {body!r} in {timeout} s: {self.answers.get(client_id)}")

    async def send_once(self, body: str, *, client_id: str | None = None, timeout: float = 20) -> dict | None:
        """One `send` frame; its answer (ack or error) or None when none came in time."""
        client_id = client_id or str(uuid.uuid4())
        seen = len(self.answers.get(client_id, []))
        assert await self._send({"type": "send", "client_id": client_id, "body": body}), f"{self.name} not connected"
        return await self._answer(client_id, seen, timeout)

    async def _answer(self, client_id: str, seen: int, timeout: float) -> dict | None:
        deadline = time.monotonic() + max(0.0, timeout)
        while time.monotonic() < deadline:
            answers = self.answers.get(client_id, [])
            if len(answers) > seen:
                return answers[seen]
            await asyncio.sleep(0.02)
        return None

    async def ping(self, timeout: float = 5) -> dict | None:
        """A `pong` answering a fresh `ping`, or None."""
        start = len(self.frames)
        if not await self._send({"type": "ping"}):
            return None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for frame in self.frames[start:]:
                if frame.get("type") == "pong":
                    return frame
            await asyncio.sleep(0.02)
        return None


async def until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {what}")


async def assert_everyone_holds(clients: list[RoomClient], acked_ids: list[int], timeout: float = 30) -> None:
    """Every client shows every acknowledged message exactly once, in the room's order (by seq)."""
    wanted = set(acked_ids)
    await until(lambda: all(wanted.issubset(c.shown) for c in clients), timeout,
                "every client holds every acknowledged message: "
                + "; ".join(f"{c.name} misses {sorted(wanted - set(c.shown))}" for c in clients))
    for client in clients:
        assert len(client.shown) == len(set(client.shown)), f"{client.name} shows a message twice"
        assert client.seqs == sorted(client.seqs), f"{client.name} shows messages out of order"
        assert client.resyncs == 0, f"{client.name} was told to resync"
    # Everyone holds the same messages in the same order (what they hold beyond the acknowledged
    # ones, a send whose ack was lost with its server, is the same for all).
    await until(lambda: all(c.shown == clients[0].shown for c in clients), timeout,
                "all clients show the same messages in the same order")
