"""One busy thread under load: real daphne processes, real Redis, real sockets speaking the thread protocol.

    .venv/bin/python bench/thread_fanout.py --participants 1000 --rate 5 --seconds 30
    .venv/bin/python bench/thread_fanout.py --participants 50 --seconds 2 --client-procs 1   # a smoke run

What it does (docs/performance.md, "Thread fan-out", has the figures):
- makes a throw-away PostgreSQL database (`live_bench_<pid>`, dropped at the end; `--sqlite` for a
  SQLite file instead) and uses the Redis database of `--redis-url` (default 14), which it empties;
- seeds N members of one organisation, a category and one thread, and a signed-in Django session
  per member (its cookie, as the browser would send it);
- starts P daphne processes (`python -m forum.core.server`, production settings: DEBUG off, the
  Redis channel layer and cache); readers spread over the ports round-robin;
- opens N sockets (`ws/threads/<id>/`) from several client processes (asyncio + `websockets`);
  each reads `hello {seq}` and sends `resume` as the page does;
- a driver (this process) posts R replies a second for S seconds through the services
  (`post_create`, an administrator: no rate limit nor review), as a request would: the live
  events leave after commit, numbered, through the live worker;
- every reader records when each `discussions.post.created` reached it: latency is the driver's
  call → receipt, at every socket. A reader follows the protocol like the page's script
  (`static/js/live-thread.js`): a skipped `seq` is a gap, healed after 1 s by
  `resume {after_post, after_seq}` (the server replays the missed posts from the database); a
  `seq` already held is a repeat (`duplicates`).

Then the same readers against the baseline in the same run (`bench/thread_baseline.py`: a plain
Channels consumer, every socket its own member of the thread's group, one `group_send` per event
fanned out per socket by the layer) on as many processes; its `resume` replays nothing, so what
the layer drops is `baseline_lost`.

Prints one JSON object (the fields of `bench/live_fanout.py`). `--no-baseline` skips the baseline;
`--client-procs` sets the number of reader processes (default 4).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_fanout import Servers, _merge, _percentile, load_average, prepare  # noqa: E402

GAP_WAIT = 1.0  # as static/js/live-thread.js
NUMBERED = {"discussions.post.created", "discussions.post.edited", "discussions.post.removed",
            "discussions.thread.changed", "polls.poll.counted", "polls.poll.changed"}


# --- the client side (runs in the reader processes; no Django here) --------------------------------

class Reader:
    """One open thread page, as live-thread.js keeps it: count by `seq`, heal gaps by `resume`."""

    def __init__(self, url: str, cookie: str, last_post_id: int):
        self.url = url
        origin = "http://" + url.split("://", 1)[1].split("/", 1)[0]
        self.headers = {"Origin": origin, "Cookie": f"sessionid={cookie}"}
        self.ws = None
        self.hello = asyncio.Event()
        self.last_seq: int | None = None
        self.last_post_id = last_post_id
        self.early: dict[int, int] = {}  # seq past a gap -> its post id
        self.received: dict[int, float] = {}  # post id -> when this socket first had it
        self.gap_timer: asyncio.TimerHandle | None = None
        self.duplicates = self.gaps = self.heals = self.resyncs = self.server_closes = 0
        self.handshake_failures = 0
        self.errors: dict[str, int] = {}
        self.closing = False
        self.healing = False  # a healing resume is on its way (one at a time, as the page)
        self.resynced = False  # told to reload: the page would fetch it all again; this reader stops

    def resume_frame(self) -> dict:
        frame = {"type": "resume", "after_post": self.last_post_id}
        if self.last_seq is not None:
            frame["after_seq"] = self.last_seq
        return frame

    async def connect(self, *, attempts: int = 5) -> bool:
        import websockets

        delay = 0.5
        for attempt in range(attempts):
            try:
                self.ws = await websockets.connect(self.url, additional_headers=self.headers, open_timeout=60,
                                                   ping_interval=None, max_queue=None, max_size=2**22)
                asyncio.create_task(self.read(self.ws))
                await self.ws.send(json.dumps(self.resume_frame()))
                await asyncio.wait_for(self.hello.wait(), 60)
                return True
            except Exception as exc:  # refused, reset, timed out: count it and try again
                ws, self.ws = self.ws, None
                if ws is not None:
                    ws.transport.abort()
                self.handshake_failures += 1
                key = f"handshake:{type(exc).__name__}"
                self.errors[key] = self.errors.get(key, 0) + 1
                if attempt + 1 < attempts:
                    await asyncio.sleep(delay * (0.5 + random.random() / 2))
                    delay = min(delay * 2, 8)
        return False

    async def read(self, ws) -> None:
        with contextlib.suppress(Exception):
            async for raw in ws:
                self.on_frame(raw, time.time())
        if not self.closing and ws is self.ws:
            self.server_closes += 1
            key = f"closed:{getattr(ws, 'close_code', None)}"
            self.errors[key] = self.errors.get(key, 0) + 1

    def send(self, frame: dict) -> None:
        if self.ws is not None:
            asyncio.ensure_future(self._send(json.dumps(frame)))

    async def _send(self, text: str) -> None:
        with contextlib.suppress(Exception):
            await self.ws.send(text)

    def drain(self) -> None:
        while self.last_seq + 1 in self.early:
            self.last_seq += 1
            self.last_post_id = max(self.last_post_id, self.early.pop(self.last_seq))
        for seq in [s for s in self.early if s <= self.last_seq]:
            self.last_post_id = max(self.last_post_id, self.early.pop(seq))

    def watch_gap(self) -> None:
        if not self.early:
            if self.gap_timer is not None:
                self.gap_timer.cancel()
                self.gap_timer = None
            return
        if self.gap_timer is None:
            self.gap_timer = asyncio.get_running_loop().call_later(GAP_WAIT, self.gap_due, self.last_seq)

    def gap_due(self, held_then: int) -> None:
        self.gap_timer = None
        if not self.early:
            return
        if self.last_seq == held_then and not self.healing and not self.resynced:
            self.heals += 1  # no progress for a whole wait: heal from the database
            self.healing = True
            self.send(self.resume_frame())
        self.watch_gap()

    def on_frame(self, raw: str, now: float) -> None:
        frame = json.loads(raw)
        kind = frame.get("type")
        if kind == "hello":
            self.last_seq = frame.get("seq") if isinstance(frame.get("seq"), int) else None
            self.healing = False
            self.early.clear()
            self.hello.set()
            return
        if kind == "resumed":
            self.healing = False
            seq = frame.get("seq")
            if isinstance(seq, int):
                self.last_seq = seq if self.last_seq is None else max(self.last_seq, seq)
                self.drain()
            self.last_post_id = max(self.last_post_id, frame.get("last_post_id") or 0)
            self.watch_gap()
            return
        if kind == "resync":
            self.resyncs += 1
            self.healing, self.resynced = False, True
            return
        if kind == "error":
            key = f"error:{frame.get('code')}"
            self.errors[key] = self.errors.get(key, 0) + 1
            return
        if kind not in NUMBERED:
            return
        post_id = frame.get("post_id") if kind == "discussions.post.created" else 0
        seq = frame.get("seq")
        if isinstance(seq, int) and self.last_seq is not None:
            if seq <= self.last_seq or seq in self.early:
                self.duplicates += 1
                return
            if seq == self.last_seq + 1:
                self.last_seq = seq
                self.last_post_id = max(self.last_post_id, post_id or 0)
                self.drain()
            else:
                if not self.early:
                    self.gaps += 1
                self.early[seq] = post_id or 0
            self.watch_gap()
        if post_id and post_id not in self.received:
            self.received[post_id] = now

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)


async def _recv(conn):
    return await asyncio.get_running_loop().run_in_executor(None, conn.recv)


async def _client(urls, cookies, last_post_id, conn, concurrency) -> None:
    readers = [Reader(urls[i % len(urls)], cookie, last_post_id) for i, cookie in enumerate(cookies)]
    gate = asyncio.Semaphore(concurrency)

    async def first_connect(reader):
        async with gate:
            return await reader.connect()

    started = time.time()
    ok = await asyncio.gather(*(first_connect(r) for r in readers))
    conn.send(("ready", {"connected": ok.count(True), "failed": ok.count(False), "connect_s": time.time() - started}))
    while True:
        command, *args = await _recv(conn)
        if command == "expect":  # ({post id: send time}, deadline seconds, quiet seconds)
            sent, wait_s, quiet_s = args
            expected = set(sent)
            deadline, last_count, last_change = time.time() + wait_s, -1, time.time()
            while time.time() < deadline:
                count = sum(len(expected & r.received.keys()) for r in readers)
                if count == len(expected) * len(readers) and not any(r.early for r in readers):
                    break
                if count != last_count:
                    last_count, last_change = count, time.time()
                elif time.time() - last_change > quiet_s:
                    break
                await asyncio.sleep(0.1)
            latencies, delivered = [], 0
            for r in readers:
                for post_id in expected & r.received.keys():
                    delivered += 1
                    latencies.append(r.received[post_id] - sent[post_id])
            conn.send(("result", {
                "delivered": delivered, "lost": len(expected) * len(readers) - delivered,
                "duplicates": sum(r.duplicates for r in readers), "gaps": sum(r.gaps for r in readers),
                "heals": sum(r.heals for r in readers), "resyncs": sum(r.resyncs for r in readers),
                "server_closes": sum(r.server_closes for r in readers),
                "handshake_failures": sum(r.handshake_failures for r in readers),
                "errors": _merge([r.errors for r in readers]), "latencies": latencies}))
        elif command == "close":
            await asyncio.gather(*(r.close() for r in readers))
            conn.send(("closed", {}))
            return


def client_process(urls, cookies, last_post_id, conn, concurrency):
    asyncio.run(_client(urls, cookies, last_post_id, conn, concurrency))


# --- the server side -------------------------------------------------------------------------------

def seed(readers: int) -> tuple[int, int, int, list[str]]:
    """N members (one organisation), a category, a thread by an administrator; a session each.
    Returns (thread id, author id, opening post id, cookies)."""
    from datetime import timedelta

    from allauth.mfa.models import Authenticator
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from forum.accounts.models import User
    from forum.categories.models import Category
    from forum.discussions import services
    from forum.organisations.models import Membership, Organisation

    unusable = make_password(None)
    organisation = Organisation.objects.create(name="Bench organisation", slug="bench-thread",
                                               seat_limit=readers + 10)
    users = User.objects.bulk_create([
        User(email=f"reader{i}@example.org", display_name=f"Reader {i}", display_name_key=f"reader {i}",
             password=unusable) for i in range(readers)], batch_size=1000)
    Membership.objects.bulk_create([Membership(user=u, organisation=organisation, kind="member") for u in users],
                                   batch_size=1000)
    admin = User.objects.create_superuser(email="thread-admin@example.org", password=None, display_name="Bench admin")
    Authenticator.objects.create(user=admin, type="totp", data={"secret": "bench"})
    category = Category.objects.create(name="Bench", slug="bench")
    thread = services.thread_create(author=admin, category=category, title="A busy thread",
                                    source="The opening post of a busy thread.")
    store, rows, cookies = SessionStore(), [], []
    expire = timezone.now() + timedelta(days=1)
    backend = settings.AUTHENTICATION_BACKENDS[0]
    for user in users:
        key = os.urandom(16).hex()
        rows.append(Session(session_key=key, expire_date=expire, session_data=store.encode(
            {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend, HASH_SESSION_KEY: user.get_session_auth_hash()})))
        cookies.append(key)
    Session.objects.bulk_create(rows, batch_size=1000)
    return thread.pk, admin.pk, thread.posts.get(depth=0).pk, cookies


def post_replies(thread_id: int, author_id: int, count: int, rate: float) -> dict[int, float]:
    """`count` replies at `rate`/s through the services; returns {post id: when the call began}."""
    from forum.accounts.models import User
    from forum.discussions import services
    from forum.discussions.models import Thread

    author, thread = User.objects.get(pk=author_id), Thread.objects.get(pk=thread_id)
    sent, start = {}, time.time() + 0.05
    for n in range(count):
        delay = start + n / rate - time.time()
        if delay > 0:
            time.sleep(delay)
        began = time.time()
        post = services.post_create(author=author, thread=thread, source=f"bench reply {n}")
        sent[post.pk] = began
    return sent


def _layer_dropped() -> float:
    from forum.core import metrics

    return metrics.EVENTS_DROPPED.labels("threads", "layer_full")._value.get()


class Readers:
    def __init__(self, urls, cookies, last_post_id, procs: int, concurrency: int = 100):
        ctx = multiprocessing.get_context("spawn")
        self.workers = []
        for n in range(procs):
            part = cookies[n::procs]
            if not part:
                continue
            parent, child = ctx.Pipe()
            shifted = urls[n % len(urls):] + urls[:n % len(urls)]
            proc = ctx.Process(target=client_process, args=(shifted, part, last_post_id, child, concurrency),
                               daemon=True)
            proc.start()
            self.workers.append((proc, parent))

    def gather(self, expect: str, timeout: float = 600) -> list[dict]:
        out = []
        for _proc, conn in self.workers:
            if not conn.poll(timeout):
                raise RuntimeError(f"a reader process did not answer ({expect})")
            kind, payload = conn.recv()
            if kind != expect:
                raise RuntimeError(f"reader said {kind}, expected {expect}")
            out.append(payload)
        return out

    def tell(self, *command) -> None:
        for _proc, conn in self.workers:
            conn.send(command)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.tell("close")
            self.gather("closed", timeout=30)
        for proc, _conn in self.workers:
            proc.join(5)
            if proc.is_alive():
                proc.kill()


def run(env, logdir, app, name, thread_id, author_id, first_post_id, cookies, args) -> dict:
    """N readers of one thread, R replies/s for S seconds; deliveries, latency, memory."""
    servers = Servers(env, app, args.processes, logdir, name)
    try:
        before = servers.rss()
        urls = [f"ws://127.0.0.1:{port}/ws/threads/{thread_id}/" for port in servers.ports]
        readers = Readers(urls, cookies, first_post_id, args.client_procs)
        try:
            ready = readers.gather("ready", timeout=3600)
            time.sleep(1)
            joined = servers.rss()
            connected = sum(r["connected"] for r in ready)
            dropped_before = _layer_dropped()
            sent = post_replies(thread_id, author_id, int(round(args.rate * args.seconds)), args.rate)
            readers.tell("expect", sent, args.drain, args.quiet)
            results = readers.gather("result", timeout=args.drain + 120)
            dropped = _layer_dropped() - dropped_before
        finally:
            readers.close()
        latencies = sorted(x for r in results for x in r.pop("latencies"))
        out = {key: sum(r[key] for r in results) for key in
               ("delivered", "lost", "duplicates", "gaps", "heals", "resyncs", "server_closes", "handshake_failures")}
        out.update({
            "sent": len(sent), "connected": connected, "connect_failed": sum(r["failed"] for r in ready),
            "connect_seconds": round(max(r["connect_s"] for r in ready), 2),
            "expected_deliveries": len(sent) * connected,
            "p50_ms": _percentile(latencies, 0.5), "p99_ms": _percentile(latencies, 0.99),
            "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
            "errors": _merge([r["errors"] for r in results]),
            "rss_kib_per_socket": round((sum(joined) - sum(before)) / max(1, connected), 1),
            "rss_kib_before": before, "rss_kib_joined": joined,
            # deliveries the channel layer left out of full channels, as the sender (the driver here)
            # counted them: madaniya_events_dropped_total{kind="threads",reason="layer_full"}
            "layer_dropped": int(dropped),
            **servers.log_counts(),
        })
        return out
    finally:
        servers.stop()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=1000, help="readers of the thread")
    parser.add_argument("--rate", type=float, default=5.0, help="replies per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--processes", type=int, default=1, help="daphne processes")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--client-procs", type=int, default=4)
    parser.add_argument("--drain", type=float, default=60.0, help="seconds to wait for deliveries after the last reply")
    parser.add_argument("--quiet", type=float, default=10.0, help="stop waiting when nothing new arrived for this long")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432",
                        help="server for the throw-away database")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14", help="emptied first")
    args = parser.parse_args(argv)

    os.environ.setdefault("FORUM_POST_RATE", "100000/m")  # the driver posts as one person
    env, tmp, cleanup = prepare(args)
    report: dict = {"load_average_before": load_average()}
    try:
        thread_id, author_id, first_post_id, cookies = seed(args.participants)
        report.update({"participants": args.participants, "rate": args.rate, "seconds": args.seconds,
                       "processes": args.processes})
        real = run(env, tmp, "config.asgi:application", "thread", thread_id, author_id, first_post_id, cookies,
                   args)
        report.update({k: real[k] for k in ("sent", "delivered", "lost", "duplicates", "gaps", "heals", "resyncs",
                                             "layer_dropped", "p50_ms", "p99_ms", "max_ms", "rss_kib_per_socket",
                                             "connect_seconds")})
        report["thread"] = real
        if not args.no_baseline:
            import redis

            from forum.discussions import events

            redis.Redis.from_url(args.redis_url).delete(f"asgi:group:{events.thread_group(thread_id)}")
            base = run(env, tmp, "thread_baseline:application", "baseline", thread_id, author_id, first_post_id,
                       cookies, args)
            report.update({"baseline_p50_ms": base["p50_ms"], "baseline_p99_ms": base["p99_ms"],
                           "baseline_max_ms": base["max_ms"], "baseline_delivered": base["delivered"],
                           "baseline_lost": base["lost"], "baseline_gaps": base["gaps"],
                           "baseline_layer_dropped": base["layer_dropped"],
                           "baseline_rss_kib_per_socket": base["rss_kib_per_socket"]})
            if real["p99_ms"] and base["p99_ms"]:
                report["p99_better_than_baseline"] = round(base["p99_ms"] / real["p99_ms"], 1)
            report["baseline"] = base
        report["load_average_after"] = load_average()
        report["database"] = "sqlite" if args.sqlite else "postgresql"
    finally:
        cleanup()
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
