"""Live rooms under load: real daphne processes, real Redis, real sockets speaking the room protocol.

    .venv/bin/python bench/live_fanout.py --participants 1000 --rate 5 --seconds 30 --processes 1
    .venv/bin/python bench/live_fanout.py --participants 3000 --processes 2
    .venv/bin/python bench/live_fanout.py --idle 3000
    .venv/bin/python bench/live_fanout.py --drop-all [--participants 1000]

What it does (docs/performance.md, "Live rooms", has the figures):
- makes a throw-away PostgreSQL database (`live_bench_<pid>`, dropped at the end; `--sqlite` for a
  SQLite file instead) and uses Redis database 15 (`--redis-url`), which it empties;
- seeds N members of one organisation and one open live session through the services, and a
  signed-in Django session per member (its cookie, as the browser would send it);
- starts P daphne processes (`python -m forum.core.server`, one port each, production settings:
  DEBUG off, the Redis channel layer and cache); the clients spread over the ports round-robin;
- opens N sockets (`ws/rooms/<id>/`) from several client processes (asyncio + `websockets`), each
  sends `join` and waits for `hello`; then a few of them (enough to stay within the per-person
  `live_message` rate) `send` R messages a second for S seconds, each body carrying its send time;
- every socket records when each message reached it: latency is send → receipt, at every socket.
  A socket follows the protocol like the page's script does: events are applied in `seq` order, a
  gap is healed by joining again with the last `seq` seen, anything at or below it is a duplicate.

Then the same clients against the baseline in the same run (`bench/live_baseline.py`: a plain
Channels consumer, every socket in one group, one `group_send` per message) on as many processes.

Prints one JSON object. `--no-baseline` skips the baseline; `--client-procs` sets the number of
client processes (default 4, plus one for the senders).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import math
import multiprocessing
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BODY = re.compile(r"bench (\d+) t=(\d+\.\d+)")
SEQUENCED = {"message", "message_updated", "message_removed", "question", "question_updated",
             "question_removed", "slow_mode", "room_state"}


# --- the client side (runs in the client processes; no Django here) -------------------------------

class Participant:
    """One socket in the room, as the page's script keeps it: join, apply in order, heal gaps."""

    def __init__(self, url: str, cookie: str, clock_log: dict):
        self.url = url
        origin = "http://" + url.split("://", 1)[1].split("/", 1)[0]
        self.headers = {"Origin": origin, "Cookie": f"sessionid={cookie}"}
        self.ws = None
        self.reader: asyncio.Task | None = None
        self.last_seq: int | None = None
        self.hello = asyncio.Event()
        self.accepted: dict[int, float] = {}  # message index -> when this socket first had it
        self.order: list[int] = []
        self.latencies: list[float] = []
        self.duplicates = 0
        self.gaps = 0
        self.resyncs = 0
        self.healing = False
        self.server_closes = 0
        self.handshake_failures = 0
        self.errors: dict[str, int] = {}
        self.pending: dict[str, int] = {}  # client_id -> message index (senders)
        self.sent_at: dict[str, float] = {}
        self.ack_latencies: list[float] = []
        self.acked: dict[int, tuple] = {}
        self.ack_waiters: dict[str, asyncio.Future] = {}
        self.dropping = False
        self.clock_log = clock_log

    async def connect(self, *, attempts: int = 5) -> bool:
        import websockets

        delay = 0.5
        for attempt in range(attempts):
            try:
                self.hello = asyncio.Event()
                self.ws = await websockets.connect(self.url, additional_headers=self.headers, open_timeout=60,
                                                   ping_interval=None, max_queue=None, max_size=2**22)
                self.reader = asyncio.create_task(self.read(self.ws))
                await self.ws.send(json.dumps({"type": "join", "after_seq": self.last_seq}))
                await asyncio.wait_for(self.hello.wait(), 60)
                return True
            except Exception as exc:  # refused, reset, timed out: count it and try again
                ws, self.ws = self.ws, None
                if ws is not None:
                    ws.transport.abort()
                self.handshake_failures += 1
                key = f"handshake:{type(exc).__name__}:{str(exc)[:60]}"
                self.errors[key] = self.errors.get(key, 0) + 1
                if attempt + 1 < attempts:
                    await asyncio.sleep(delay * (0.5 + random.random() / 2))
                    delay = min(delay * 2, 8)
        return False

    async def read(self, ws) -> None:
        try:
            async for raw in ws:
                self.on_frame(raw, time.time())
        except Exception:  # noqa: S110 - a closed socket ends the reader; close is recorded below
            pass
        if not self.dropping and ws is self.ws:
            self.server_closes += 1
            key = f"closed:{getattr(ws, 'close_code', None)}"
            self.errors[key] = self.errors.get(key, 0) + 1

    def send_frame(self, frame: dict) -> None:
        if self.ws is not None:
            asyncio.ensure_future(self._send(json.dumps(frame)))

    async def _send(self, text: str) -> None:
        with contextlib.suppress(Exception):
            await self.ws.send(text)

    def on_frame(self, raw: str, now: float) -> None:
        self.clock_log["last_frame"] = now
        frame = json.loads(raw)
        kind = frame.get("type")
        if kind in SEQUENCED:
            seq = frame.get("seq")
            if isinstance(seq, int):
                if self.last_seq is not None and seq <= self.last_seq:
                    self.duplicates += 1
                    return
                if self.last_seq is not None and seq > self.last_seq + 1:
                    # A gap: drop what is past it and ask again from the last seq held.
                    if not self.healing:
                        self.gaps += 1
                        self.healing = True
                        self.send_frame({"type": "join", "after_seq": self.last_seq})
                    return
                self.last_seq = seq
                self.healing = False
            if kind == "message":
                match = BODY.search(frame.get("html") or "")
                if match:
                    index = int(match[1])
                    if index in self.accepted:
                        self.duplicates += 1
                        return
                    self.accepted[index] = now
                    self.order.append(index)
                    self.latencies.append(now - float(match[2]))
        elif kind == "hello":
            self.clock_log["hello_bytes"] = max(self.clock_log.get("hello_bytes", 0), len(raw))
            if self.last_seq is None and isinstance(frame.get("seq"), int):
                self.last_seq = frame["seq"]
            self.healing = False
            self.hello.set()
        elif kind == "ack":
            client_id = frame.get("client_id")
            index = self.pending.pop(client_id, None)
            if index is not None:
                self.acked[index] = (frame.get("id"), frame.get("seq"))
                self.ack_latencies.append(now - self.sent_at.pop(client_id))
            waiter = self.ack_waiters.pop(client_id, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(frame)
        elif kind == "error":
            key = f"error:{frame.get('code')}"
            self.errors[key] = self.errors.get(key, 0) + 1
            waiter = self.ack_waiters.pop(frame.get("client_id"), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(frame)
        elif kind == "resync":
            self.resyncs += 1
        elif kind == "pong":
            seq = frame.get("seq")
            if isinstance(seq, int) and self.last_seq is not None and seq > self.last_seq and not self.healing:
                self.gaps += 1
                self.healing = True
                self.send_frame({"type": "join", "after_seq": self.last_seq})

    def abort(self) -> None:
        """Drop the connection without a close handshake (as a phone losing its network)."""
        self.dropping = True
        if self.ws is not None:
            self.ws.transport.abort()
        if self.reader is not None:
            self.reader.cancel()
        self.ws = None

    async def come_back(self) -> bool:
        await asyncio.sleep(0.5 + random.random() / 2)  # the page waits 0.5-1 s before the first try
        ok = await self.connect(attempts=40)
        self.dropping = False
        return ok

    async def close(self) -> None:
        self.dropping = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)


async def _recv(conn):
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, conn.recv)


async def _send_messages(senders, first_index: int, count: int, rate: float) -> list[int]:
    """`count` messages at `rate`/s, round-robin over `senders`; returns the indices sent."""
    start = time.time() + 0.05
    sent = []
    for n in range(count):
        index = first_index + n
        delay = start + n / rate - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        sender = senders[index % len(senders)]
        client_id = str(uuid.uuid4())
        sender.pending[client_id] = index
        sender.sent_at[client_id] = time.time()
        sender.send_frame({"type": "send", "client_id": client_id, "body": f"bench {index} t={time.time():.6f}"})
        sent.append(index)
    return sent


async def _wait_acks(senders, seconds: float) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline and any(s.pending for s in senders):
        await asyncio.sleep(0.05)


async def _client(role: str, urls: list[str], cookies: list[str], conn, concurrency: int) -> None:
    clock_log = {"last_frame": time.time()}
    people = [Participant(urls[i % len(urls)], cookie, clock_log) for i, cookie in enumerate(cookies)]
    gate = asyncio.Semaphore(concurrency)

    async def first_connect(p):
        async with gate:
            return await p.connect()

    started = time.time()
    ok = await asyncio.gather(*(first_connect(p) for p in people))
    conn.send(("ready", {"connected": ok.count(True), "failed": ok.count(False),
                         "connect_s": time.time() - started, "hello_bytes": clock_log.get("hello_bytes", 0)}))
    next_index = 0
    comeback = None
    while True:
        command, *args = await _recv(conn)
        if command == "send":  # senders: (count, rate)
            count, rate = args
            sent = await _send_messages(people, next_index, count, rate)
            next_index += count
            await _wait_acks(people, 20)
            conn.send(("sent", {"sent": sent}))
        elif command == "acked":
            acked = sorted({i for p in people for i in p.acked})
            unacked = sorted({i for p in people for i in p.pending.values()})
            conn.send(("acked", {"acked": acked, "unacked": unacked,
                                 "ack_latencies": sorted(x for p in people for x in p.ack_latencies),
                                 "errors": _merge([p.errors for p in people])}))
        elif command == "drop":
            dropped_at = time.time()
            for p in people:
                p.abort()
            conn.send(("dropped", {"at": dropped_at}))
            comeback = asyncio.gather(*(p.come_back() for p in people))
        elif command == "expect":  # (indices, deadline seconds, quiet seconds)
            expected, wait_s, quiet_s = args
            expected = set(expected)
            deadline = time.time() + wait_s
            # Quiet is counted from now: idle sockets (or a slow room) had no frame for a while.
            clock_log["last_frame"] = max(clock_log["last_frame"], time.time())
            while time.time() < deadline:
                if all(expected.issubset(p.accepted) for p in people):
                    break
                if time.time() - clock_log["last_frame"] > quiet_s:
                    break
                await asyncio.sleep(0.1)
            back = await comeback if comeback is not None else None
            conn.send(("result", _result(people, expected, back)))
        elif command == "ping":  # idle sockets: are they all still there?
            conn.send(("alive", {"open": sum(1 for p in people if p.ws is not None and p.server_closes == 0),
                                 "server_closes": sum(p.server_closes for p in people)}))
        elif command == "close":
            await asyncio.gather(*(p.close() for p in people))
            conn.send(("closed", {}))
            return


def _merge(dicts) -> dict:
    out: dict[str, int] = {}
    for d in dicts:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return out


def _result(people, expected: set, back) -> dict:
    latencies = []
    caught_up = []
    lost = delivered = out_of_order = 0
    for p in people:
        held = [i for i in p.order if i in expected]
        delivered += len(held)
        lost += len(expected) - len(held)
        out_of_order += sum(1 for a, b in zip(held, held[1:], strict=False) if b < a)
        latencies += [lat for i, lat in zip(p.order, p.latencies, strict=True) if i in expected]
        if expected and expected.issubset(p.accepted):
            caught_up.append(max(p.accepted[i] for i in expected))
    # Every socket should see the same order (the room's seq order), whatever order they were sent in;
    # compared among the sockets that hold every expected message (a loss is counted as `lost`).
    orders = sorted({hashlib.sha1(repr([i for i in p.order if i in expected]).encode()).hexdigest()
                     for p in people if expected.issubset(p.accepted)})
    return {"delivered": delivered, "lost": lost, "out_of_order": out_of_order, "orders": orders,
            "duplicates": sum(p.duplicates for p in people), "gaps": sum(p.gaps for p in people),
            "resyncs": sum(p.resyncs for p in people), "server_closes": sum(p.server_closes for p in people),
            "handshake_failures": sum(p.handshake_failures for p in people),
            "not_back": None if back is None else back.count(False),
            "caught_up_at": max(caught_up) if len(caught_up) == len(people) else None,
            "errors": _merge([p.errors for p in people]), "latencies": latencies}


def client_process(role, urls, cookies, conn, concurrency):
    asyncio.run(_client(role, urls, cookies, conn, concurrency))


# --- the server side: database, seed, daphne processes ------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, process, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne on port {port} exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"daphne on port {port} did not start")


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Servers:
    profile_dir: Path | None = None  # --profile: each process runs under cProfile, written on exit
    sample_dir: Path | None = None  # --sample: each process runs beside a stack sampler (live_sampler.py)

    def __init__(self, env: dict, app: str, count: int, logdir: Path, name: str):
        self.procs = []
        self.ports = []
        self.logs = []
        for n in range(count):
            port = _free_port()
            log = logdir / f"{name}-{n}.log"
            handle = open(log, "w")  # noqa: SIM115 - closed in stop()
            command = [sys.executable, "-m", "forum.core.server", "-b", "127.0.0.1", "-p", str(port), app]
            if self.profile_dir is not None:
                command[1:1] = ["-m", "cProfile", "-o", str(self.profile_dir / f"{name}-{n}.prof")]
            elif self.sample_dir is not None:
                command[1:3] = ["-m", "live_sampler", str(self.sample_dir / f"{name}-{n}.txt")]
            proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)
            self.procs.append(proc)
            self.ports.append(port)
            self.logs.append((log, handle))
        for proc, port, (log, _handle) in zip(self.procs, self.ports, self.logs, strict=True):
            try:
                _wait_port(port, proc)
            except RuntimeError:
                self.stop()
                sys.stderr.write(log.read_text(errors="replace")[-3000:])
                raise

    def rss(self) -> list[int]:
        return [rss_kib(p.pid) for p in self.procs]

    def cpu(self) -> float:
        return sum(cpu_seconds(p.pid) for p in self.procs)

    def tracebacks(self) -> int:
        return self.count_in_logs("Traceback")

    def count_in_logs(self, text: str) -> int:
        return sum(path.read_text(errors="replace").count(text) for path, _h in self.logs)

    def log_counts(self) -> dict:
        """What the servers logged about order and overload (logged at WARNING, which the bench keeps)."""
        return {"server_tracebacks": self.tracebacks(),
                # the hub gave up waiting for a missing seq (forum/core/hub.py): a gap reached the sockets
                "server_hub_gave_up": self.count_in_logs("gave up waiting for seq"),
                # handshakes answered 503 after --websocket_connect_timeout (forum/core/server.py)
                "server_handshake_503": self.count_in_logs("handshake not answered")}

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        for _path, handle in self.logs:
            handle.close()


def prepare(args):
    """Environment for Django here and in the daphne processes; returns (env, scratch dir, cleanup)."""
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.base", "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "REDIS_URL": args.redis_url, "LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH), *filter(None, [os.environ.get("PYTHONPATH")])]),
    })
    cleanups = []
    tmp = Path(tempfile.mkdtemp(prefix="madaniya-live-bench-"))
    cleanups.append(lambda: shutil.rmtree(tmp, ignore_errors=True))
    if args.sqlite:
        env.update({"DEBUG": "1", "SQLITE_PATH": str(tmp / "bench.sqlite3")})
        env.pop("DATABASE_URL", None)
    else:
        import psycopg

        name = f"live_bench_{os.getpid()}"
        admin = args.postgres.rstrip("/") + "/postgres"
        with psycopg.connect(admin, autocommit=True) as pg:
            pg.execute(f'CREATE DATABASE "{name}"')

        def drop():
            with psycopg.connect(admin, autocommit=True) as pg:
                pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        cleanups.append(drop)
        env.update({"DEBUG": "0", "DATABASE_URL": args.postgres.rstrip("/") + "/" + name,
                    "SECURE_SSL_REDIRECT": "0"})

    def cleanup():
        from django.db import connections

        connections.close_all()
        for fn in reversed(cleanups):
            with contextlib.suppress(Exception):
                fn()

    os.environ.update(env)
    if args.sqlite:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    redis.Redis.from_url(args.redis_url).flushdb()
    call_command("migrate", verbosity=0, interactive=False)
    return env, tmp, cleanup


def seed(participants: int, *, off_the_record: bool = False) -> tuple[int, list[str]]:
    """N members (one organisation), one open session for all members; a signed-in session each."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from forum.accounts.models import User
    from forum.live import models as live_models
    from forum.organisations.models import Membership, Organisation

    unusable = make_password(None)
    organisation = Organisation.objects.create(name="Bench organisation", slug="bench-live",
                                               seat_limit=participants + 10)
    users = User.objects.bulk_create([
        User(email=f"live{i}@example.org", display_name=f"Participant {i}", display_name_key=f"participant {i}",
             password=unusable) for i in range(participants)], batch_size=1000)
    Membership.objects.bulk_create([Membership(user=u, organisation=organisation, kind="member") for u in users],
                                   batch_size=1000)
    admin = User.objects.create_superuser(email="live-admin@example.org", password=None,
                                          display_name="Bench admin")
    now = timezone.now()
    session = _open_session(admin, now, timedelta, off_the_record=off_the_record)
    store = SessionStore()
    expire = now + timedelta(days=1)
    rows, cookies = [], []
    backend = settings.AUTHENTICATION_BACKENDS[0]
    for user in users:
        key = secrets.token_hex(16)
        data = store.encode({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend,
                             HASH_SESSION_KEY: user.get_session_auth_hash()})
        rows.append(Session(session_key=key, session_data=data, expire_date=expire))
        cookies.append(key)
    Session.objects.bulk_create(rows, batch_size=1000)
    assert live_models.LiveSession.objects.filter(pk=session.pk, state="open").exists()
    return session.pk, cookies


def _open_session(admin, now, timedelta, *, off_the_record: bool = False):
    """One scheduled session for all members, opened through the room services by an admin."""
    from allauth.mfa.models import Authenticator

    from forum.live import models as live_models
    from forum.live import services

    # Privileged powers (opening a room) need a second factor enrolled.
    Authenticator.objects.create(user=admin, type="totp", data={"secret": "bench"})
    session = live_models.LiveSession.objects.create(
        title="Bench room", starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=3),
        created_by=admin, off_the_record=off_the_record)
    return services.session_open(actor=admin, session=session)


def senders_needed(rate: float) -> int:
    """Enough senders that none passes the per-person `live_message` rate (nor the socket's frames)."""
    from forum.core import conf, ratelimit

    try:
        per_person = min(count / window for count, window in ratelimit.rates_of("live_message"))
    except (KeyError, ValueError):
        per_person = conf.FORUM_WS_FRAMES_PER_SECOND
    per_person = min(per_person, conf.FORUM_WS_FRAMES_PER_SECOND)
    return max(2, math.ceil(rate / (0.8 * per_person)))


# --- orchestration ---------------------------------------------------------------------------------

class Clients:
    """The client processes: one for the senders, `procs` for everyone else."""

    def __init__(self, urls, cookies, senders: int, procs: int, concurrency: int = 2):
        ctx = multiprocessing.get_context("spawn")
        self.workers = []
        groups = [("senders", cookies[:senders])]
        rest = cookies[senders:]
        procs = max(1, min(procs, len(rest) or 1))
        for n in range(procs):
            part = rest[n::procs]
            if part:
                groups.append(("listeners", part))
        for role, part in groups:
            parent, child = ctx.Pipe()
            # Spread the sockets over the servers round-robin across processes too.
            offset = len(self.workers)
            worker_urls = urls[offset % len(urls):] + urls[:offset % len(urls)]
            proc = ctx.Process(target=client_process, args=(role, worker_urls, part, child, concurrency),
                               daemon=True)
            proc.start()
            self.workers.append((role, proc, parent))

    @property
    def senders(self):
        return self.workers[0][2]

    @property
    def listeners(self):
        return [conn for role, _p, conn in self.workers if role == "listeners"]

    def all(self):
        return [conn for _r, _p, conn in self.workers]

    def gather(self, conns, expect: str, timeout: float = 600) -> list[dict]:
        out = []
        for conn in conns:
            if not conn.poll(timeout):
                raise RuntimeError(f"a client process did not answer ({expect})")
            kind, payload = conn.recv()
            if kind != expect:
                raise RuntimeError(f"client said {kind}, expected {expect}")
            out.append(payload)
        return out

    def tell(self, conns, *command):
        for conn in conns:
            conn.send(command)

    def close(self):
        with contextlib.suppress(Exception):
            self.tell(self.all(), "close")
            self.gather(self.all(), "closed", timeout=30)
        for _r, proc, _c in self.workers:
            proc.join(5)
            if proc.is_alive():
                proc.kill()


def _percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, int(round(q * (len(sorted_values) - 1))))
    return round(sorted_values[index] * 1000, 1)


def _combine(results: list[dict]) -> dict:
    latencies = sorted(x for r in results for x in r.pop("latencies"))
    out = {key: sum(r[key] or 0 for r in results) for key in
           ("delivered", "lost", "duplicates", "out_of_order", "gaps", "resyncs", "server_closes",
            "handshake_failures")}
    # How many different orders the sockets saw the messages in (1: all the same, the seq order).
    out["distinct_orders"] = len({order for r in results for order in r.pop("orders")})
    out.update({"p50_ms": _percentile(latencies, 0.5), "p99_ms": _percentile(latencies, 0.99),
                "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
                "errors": _merge([r["errors"] for r in results])})
    return out


def run_fanout(env, logdir, app, room_id, cookies, args, name) -> dict:
    """N sockets, R messages/s for S seconds; deliveries, latency, memory."""
    servers = Servers(env, app, args.processes, logdir, name)
    try:
        before = servers.rss()
        urls = [f"ws://127.0.0.1:{port}/ws/rooms/{room_id}/" for port in servers.ports]
        clients = Clients(urls, cookies, args.senders, args.client_procs)
        try:
            ready = clients.gather(clients.all(), "ready", timeout=3600)
            time.sleep(1)
            after = servers.rss()
            connected = sum(r["connected"] for r in ready)
            total = int(round(args.rate * args.seconds))
            cpu_before, wall_before = servers.cpu(), time.time()
            clients.tell([clients.senders], "send", total, args.rate)
            sent = clients.gather([clients.senders], "sent", timeout=args.seconds + 120)[0]["sent"]
            clients.tell([clients.senders], "acked")
            acked = clients.gather([clients.senders], "acked")[0]
            clients.tell(clients.all(), "expect", acked["acked"], args.drain, args.quiet)
            result = _combine(clients.gather(clients.all(), "result", timeout=args.drain + 60))
            cpu_used, wall = servers.cpu() - cpu_before, time.time() - wall_before
            peak = servers.rss()
        finally:
            clients.close()
        result.update({
            "sent": len(sent), "acked": len(acked["acked"]), "unacked": len(acked["unacked"]),
            # send -> ack at the sender: the write path (check, store, commit), before any fan-out.
            "ack_p50_ms": _percentile(acked["ack_latencies"], 0.5),
            "ack_p99_ms": _percentile(acked["ack_latencies"], 0.99),
            "send_errors": acked["errors"], "connected": connected,
            "connect_failed": sum(r["failed"] for r in ready),
            "connect_s": round(max(r["connect_s"] for r in ready), 2),
            "expected_deliveries": len(acked["acked"]) * connected,
            "rss_kib_per_socket": round((sum(after) - sum(before)) / max(1, connected), 1),
            "rss_kib_before": before, "rss_kib_joined": after, "rss_kib_end": peak,
            # CPU the daphne processes used from the first send until the last delivery (or the
            # wait ended): steadier than latency on a shared machine.
            "server_cpu_s": round(cpu_used, 2), "server_cpu_share": round(cpu_used / wall, 2),
            "server_cpu_us_per_delivery": round(cpu_used * 1e6 / max(1, result["delivered"]), 1),
            **servers.log_counts(),
        })
        return result
    finally:
        servers.stop()


def run_idle(env, logdir, room_id, cookies, args) -> dict:
    """N idle sockets on one process: memory per connection; are they all still there after S s;
    then one message, to every one of them."""
    servers = Servers(env, "config.asgi:application", 1, logdir, "idle")
    try:
        before = servers.rss()
        urls = [f"ws://127.0.0.1:{servers.ports[0]}/ws/rooms/{room_id}/"]
        clients = Clients(urls, cookies, args.senders, args.client_procs)
        try:
            ready = clients.gather(clients.all(), "ready", timeout=3600)
            time.sleep(2)
            joined = servers.rss()
            time.sleep(args.seconds)
            clients.tell(clients.all(), "ping")
            alive = clients.gather(clients.all(), "alive")
            held = servers.rss()
            clients.tell([clients.senders], "send", 1, 1.0)
            clients.gather([clients.senders], "sent")
            clients.tell([clients.senders], "acked")
            acked = clients.gather([clients.senders], "acked")[0]
            clients.tell(clients.all(), "expect", acked["acked"], args.drain, args.quiet)
            result = _combine(clients.gather(clients.all(), "result", timeout=args.drain + 60))
        finally:
            clients.close()
        connected = sum(r["connected"] for r in ready)
        return {
            "mode": "idle", "idle_sockets": connected, "connect_failed": sum(r["failed"] for r in ready),
            "largest_hello_bytes": max(r["hello_bytes"] for r in ready),
            "connect_s": round(max(r["connect_s"] for r in ready), 2), "held_s": args.seconds,
            "server_closes_while_idle": sum(a["server_closes"] for a in alive),
            "rss_kib_before": before[0], "rss_kib_joined": joined[0], "rss_kib_after_idle": held[0],
            "rss_kib_per_socket": round((joined[0] - before[0]) / max(1, connected), 1),
            "one_message_to_all": {k: result[k] for k in ("delivered", "lost", "duplicates", "p50_ms", "p99_ms",
                                                          "max_ms")},
            **servers.log_counts(),
        }
    finally:
        servers.stop()


def run_drop_all(env, logdir, room_id, cookies, args) -> dict:
    """Everyone connected; messages flow; every listener is dropped at once (no close handshake);
    while they are away more messages are sent; they come back (0.5-1 s, then doubling backoff) with
    `join {after_seq}`. Time from the drop until every socket holds every acknowledged message."""
    servers = Servers(env, "config.asgi:application", args.processes, logdir, "drop")
    try:
        urls = [f"ws://127.0.0.1:{port}/ws/rooms/{room_id}/" for port in servers.ports]
        clients = Clients(urls, cookies, args.senders, args.client_procs)
        try:
            ready = clients.gather(clients.all(), "ready", timeout=3600)
            warm = max(1, int(args.rate * 2))
            clients.tell([clients.senders], "send", warm, args.rate)
            clients.gather([clients.senders], "sent", timeout=120)
            time.sleep(1)
            clients.tell(clients.listeners, "drop")
            dropped_at = min(r["at"] for r in clients.gather(clients.listeners, "dropped"))
            # While they are away (the first retry comes 0.5-1 s later): the messages they miss.
            missed = max(5, int(args.rate * 2))
            clients.tell([clients.senders], "send", missed, missed / 0.4)
            clients.gather([clients.senders], "sent", timeout=120)
            clients.tell([clients.senders], "acked")
            acked = clients.gather([clients.senders], "acked")[0]
            clients.tell(clients.all(), "expect", acked["acked"], args.drain, args.drain)
            results = clients.gather(clients.all(), "result", timeout=args.drain + 120)
        finally:
            clients.close()
        listeners = results[1:]
        caught = [r["caught_up_at"] for r in listeners]
        not_back = sum(r["not_back"] or 0 for r in listeners)
        combined = _combine(results)
        return {
            "mode": "drop_all", "dropped": sum(r["connected"] for r in ready[1:]),
            "acked": len(acked["acked"]), "missed_while_away": missed,
            "all_back_and_caught_up_s": round(max(caught) - dropped_at, 2) if all(c for c in caught) else None,
            "not_back": not_back,
            **{k: combined[k] for k in ("delivered", "lost", "duplicates", "out_of_order", "distinct_orders", "gaps",
                                        "resyncs", "handshake_failures", "server_closes", "errors")},
            **servers.log_counts(),
        }
    finally:
        servers.stop()


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=5.0, help="messages per second, room-wide")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--processes", type=int, default=1, help="daphne processes")
    parser.add_argument("--idle", type=int, metavar="N", help="N idle sockets on one process instead")
    parser.add_argument("--drop-all", action="store_true", help="drop every client at once; time to catch up")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--off-the-record", action="store_true",
                        help="an off-the-record room: presence is a count, `hello` does not list everyone")
    parser.add_argument("--app", default="config.asgi:application", help="the ASGI application measured")
    parser.add_argument("--client-procs", type=int, default=4)
    parser.add_argument("--drain", type=float, default=60.0,
                        help="seconds to wait for deliveries after the last send")
    parser.add_argument("--quiet", type=float, default=10.0,
                        help="stop waiting when no frame arrived for this long")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432",
                        help="server for the throw-away database")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15", help="emptied first")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="run each daphne process under cProfile; the profiles are written to DIR")
    parser.add_argument("--sample", type=Path, metavar="DIR",
                        help="sample every thread's stack in each daphne process (bench/live_sampler.py); "
                             "the summaries are written to DIR")
    args = parser.parse_args(argv)
    if args.sample:
        args.sample.mkdir(parents=True, exist_ok=True)
        Servers.sample_dir = args.sample.resolve()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        Servers.profile_dir = args.profile.resolve()

    env, tmp, cleanup = prepare(args)
    report: dict = {"load_average_before": load_average()}
    try:
        participants = args.idle or args.participants
        args.senders = senders_needed(args.rate)
        room_id, cookies = seed(participants + (1 if args.idle else 0), off_the_record=args.off_the_record)
        report["off_the_record"] = args.off_the_record
        if args.idle:
            args.senders = 1
            report.update(run_idle(env, tmp, room_id, cookies, args))
        elif args.drop_all:
            report.update({"participants": participants, "rate": args.rate, "processes": args.processes,
                           "senders": args.senders})
            report.update(run_drop_all(env, tmp, room_id, cookies, args))
        else:
            report.update({"participants": participants, "rate": args.rate, "seconds": args.seconds,
                           "processes": args.processes, "senders": args.senders})
            forum = run_fanout(env, tmp, args.app, room_id, cookies, args, "room")
            report.update({k: forum[k] for k in ("sent", "acked", "delivered", "lost", "duplicates", "gaps",
                                                 "distinct_orders", "p50_ms", "p99_ms", "max_ms", "ack_p50_ms",
                                                 "ack_p99_ms")})
            report["room"] = forum
            if not args.no_baseline:
                import redis

                redis.Redis.from_url(args.redis_url).delete("asgi:group:bench.baseline.room")
                base = run_fanout(env, tmp, "live_baseline:application", room_id, cookies, args, "baseline")
                report.update({"baseline_p50_ms": base["p50_ms"], "baseline_p99_ms": base["p99_ms"],
                               "baseline_max_ms": base["max_ms"], "baseline_delivered": base["delivered"],
                               "baseline_lost": base["lost"]})
                if forum["p99_ms"] and base["p99_ms"]:
                    report["p99_better_than_baseline"] = round(base["p99_ms"] / forum["p99_ms"], 1)
                report["baseline"] = base
            report["rss_kib_per_socket"] = forum["rss_kib_per_socket"]
        report["load_average_after"] = load_average()
        report["database"] = "sqlite" if args.sqlite else "postgresql"
    finally:
        cleanup()
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
