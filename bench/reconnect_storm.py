"""Reconnect storm and idle sockets on the Redis channel layer: the layer as settings configure it
against the baseline of redis-py's own defaults (`hosts: [REDIS_URL]`, as before), in one run.

For each configuration a real daphne process serves the site. N members (default 500) each open
the notification socket (`ws/notifications/`), which joins the member's group and sends the unread
count on connect. Then every connection is dropped at once (TCP abort, as when a proxy restarts);
while they are away each member gets one new notification; all reconnect at once (a refused or
failed handshake retries with the page script's jittered, doubling delay). Reported: the time from the drop until every client is
back and caught up (has received its new unread count), and how many handshakes failed. Then
IDLE_CLIENTS sockets are held idle for IDLE_SECONDS and every close the server makes is counted
(the client reconnects at once and keeps counting).

    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/reconnect_storm.py
    (CLIENTS=500 IDLE_CLIENTS=2 IDLE_SECONDS=30; DATABASE_URL as for the other benchmarks)

Prints JSON. Needs Redis; the database is SQLite in a temporary file unless DATABASE_URL is set.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from functools import partial

from _common import load_average, setup_django

CLIENTS = int(os.environ.get("CLIENTS", "500"))
IDLE_CLIENTS = int(os.environ.get("IDLE_CLIENTS", "2"))
IDLE_SECONDS = float(os.environ.get("IDLE_SECONDS", "30"))
RETRY_SECONDS = 0.5


def backoff(attempt: int) -> float:
    """The delay static/js/notifications.js waits before its next try (jittered, doubling, 30 s cap)."""
    return min(30.0, 2.0 ** min(attempt, 5)) * (0.5 + random.random() / 2)  # noqa: S311 - not security
ERRORS: dict[str, int] = {}
TIMEOUT = float(os.environ.get("STORM_TIMEOUT", "120"))  # a client not back by then is counted as lost


def _application():
    from channels.routing import get_default_application

    return get_default_application()


def _child_setup(layers):
    """In the daphne process: the configuration under test, and a fresh layer for its loop."""
    from channels.layers import channel_layers
    from django.conf import settings
    from django.db import connections

    settings.CHANNEL_LAYERS = layers
    channel_layers.backends = {}
    for alias in connections:
        connections[alias].close()


def _start(layers):
    from daphne.testing import DaphneProcess
    from django.db import connections

    connections.close_all()
    process = DaphneProcess("127.0.0.1", partial(_application), setup=partial(_child_setup, layers))
    process.start()
    if not process.ready.wait(timeout=30):
        process.terminate()
        raise RuntimeError("daphne did not start")
    return process, process.port.value


def _stop(process):
    process.terminate()
    process.join(timeout=10)
    if process.is_alive():
        process.kill()
        process.join(timeout=5)


def _members(n):
    """n members, each with a signed-in session; returns [(user id, session cookie value)]."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from forum.accounts.models import User
    from forum.organisations.models import Membership, Organisation

    organisation = Organisation.objects.create(name="Storm", slug="storm", seat_limit=n + 10)
    out = []
    for i in range(n):
        user = User.objects.create_user(email=f"storm{i}@example.org", password="x", display_name=f"Storm {i}")
        Membership.objects.create(user=user, organisation=organisation, kind="member")
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        out.append((user.pk, session.session_key))
    return out


def _notify_each(members):
    from forum.notifications.models import Notification

    Notification.objects.bulk_create([Notification(recipient_id=uid, kind="reply", url="/", data={})
                                      for uid, _key in members])


class Client:
    def __init__(self, url, session_key):
        self.url = url
        # The site's own origin, port included: sockets from any other origin are refused (403).
        origin = "http://" + url.split("://", 1)[1].split("/", 1)[0]
        self.headers = {"Origin": origin, "Cookie": f"sessionid={session_key}"}
        self.ws = None
        self.failed = 0
        self.closes = 0

    async def connect_until(self, count, deadline) -> bool:
        """Connect (retrying failed handshakes) until the socket reports `count` unread; False
        when the deadline passed first."""
        import websockets

        attempt = 0
        while time.monotonic() < deadline:
            try:
                self.ws = await websockets.connect(self.url, additional_headers=self.headers, open_timeout=30,
                                                   ping_interval=None, max_queue=None)
                while True:
                    frame = json.loads(await asyncio.wait_for(self.ws.recv(), 30))
                    if frame.get("type") == "notifications.unread" and frame.get("count") == count:
                        return True
            except Exception as exc:  # refused, reset, 1011: try again, as the page's script does
                self.failed += 1
                kind = f"{type(exc).__name__}: {str(exc)[:60]}"
                ERRORS[kind] = ERRORS.get(kind, 0) + 1
                if self.ws is not None:
                    self.ws.transport.abort()
                    self.ws = None
                attempt += 1
                await asyncio.sleep(backoff(attempt))
        return False

    def drop(self):
        if self.ws is not None:
            self.ws.transport.abort()
            self.ws = None

    async def hold_idle(self, seconds):
        """Keep the socket open for `seconds`, counting the closes the server makes."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            try:
                await asyncio.wait_for(self.ws.recv(), left)
            except TimeoutError:
                return
            except Exception:  # closed by the server
                self.closes += 1
                self.ws = None
                await self._reconnect(end)

    async def _reconnect(self, end):
        import websockets

        while time.monotonic() < end:
            try:
                self.ws = await websockets.connect(self.url, additional_headers=self.headers, open_timeout=10,
                                                   ping_interval=None)
                return
            except Exception:
                await asyncio.sleep(RETRY_SECONDS)


async def _storm(port, members):
    from asgiref.sync import sync_to_async

    url = f"ws://127.0.0.1:{port}/ws/notifications/"
    clients = [Client(url, key) for _uid, key in members]
    deadline = time.monotonic() + TIMEOUT
    start = time.monotonic()
    warm_up = asyncio.Semaphore(50)  # the first connections in waves: that is set-up, not the storm

    async def first_connect(client):
        async with warm_up:
            return await client.connect_until(0, deadline)

    connected = await asyncio.gather(*(first_connect(c) for c in clients))
    first_connect = time.monotonic() - start
    first_failed = sum(c.failed for c in clients)
    for c in clients:
        c.failed = 0
    await asyncio.sleep(2)
    dropped = time.monotonic()
    for c in clients:
        c.drop()
    await sync_to_async(_notify_each, thread_sensitive=False)(members)

    async def come_back(client):
        await asyncio.sleep(backoff(0))  # as the page: 0.5-1 s after the close
        return await client.connect_until(1, dropped + TIMEOUT)

    back = await asyncio.gather(*(come_back(c) for c in clients))
    back_s = time.monotonic() - dropped
    failed = sum(c.failed for c in clients)
    for c in clients:
        c.drop()
    return {"first_connect_s": round(first_connect, 2), "first_connect_failed_handshakes": first_failed,
            "first_connect_not_connected": connected.count(False),
            "all_back_and_caught_up_s": round(back_s, 2) if all(back) else f">{TIMEOUT:g}",
            "not_back_after_timeout": back.count(False), "storm_failed_handshakes": failed}


async def _idle(port, members):
    url = f"ws://127.0.0.1:{port}/ws/notifications/"
    clients = [Client(url, key) for _uid, key in members]
    await asyncio.gather(*(c.connect_until(0, time.monotonic() + 60) for c in clients))
    await asyncio.gather(*(c.hold_idle(IDLE_SECONDS) for c in clients))
    for c in clients:
        if c.ws is not None:
            c.drop()
    return {"idle_clients": len(clients), "idle_seconds": IDLE_SECONDS,
            "server_closes": sum(c.closes for c in clients)}


def _reset(members):
    from forum.notifications.models import Notification

    Notification.objects.filter(recipient_id__in=[uid for uid, _key in members]).delete()


def main() -> None:
    if not os.environ.get("REDIS_URL"):
        sys.exit("REDIS_URL is required: this benchmark measures the Redis channel layer")
    setup_django()
    from django.conf import settings

    configured = settings.CHANNEL_LAYERS
    if os.environ.get("LAYER_OPTIONS"):  # try other client bounds, e.g. '{"socket_timeout": 20}'
        configured = {"default": {**configured["default"], "CONFIG": {
            **configured["default"]["CONFIG"],
            "hosts": [{"address": settings.REDIS_URL, **json.loads(os.environ["LAYER_OPTIONS"])}]}}}
    baseline = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                            "CONFIG": {"hosts": [settings.REDIS_URL], "capacity": 1500, "expiry": 10}}}
    members = _members(CLIENTS)
    report = {"clients": CLIENTS, "load_average_before": load_average()}
    import redis

    report["redis_py"] = redis.__version__
    runs = {"baseline": ("baseline_redis_py_defaults", baseline), "configured": ("configured", configured)}
    for key in os.environ.get("CONFIGS", "baseline,configured").split(","):
        name, layers = runs[key]
        process, port = _start(layers)
        try:
            _reset(members)
            result = asyncio.run(_storm(port, members))
            _reset(members)
            result.update(asyncio.run(_idle(port, members[:IDLE_CLIENTS])))
            result["client_errors"] = dict(sorted(ERRORS.items(), key=lambda kv: -kv[1])[:5])
            ERRORS.clear()
        finally:
            _stop(process)
        report[name] = result
    report["load_average_after"] = load_average()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
