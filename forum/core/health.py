"""Readiness checks of the parts a request needs: database, cache, channel layer.

The endpoint must answer within a second whatever the process is doing, or the orchestrator marks a
busy replica unhealthy: every check runs in its own thread against one deadline, and a check still
running when it passes is reported as an error (its thread ends by itself on its socket timeout).
The channel layer is checked with a PING on a separate short-timeout connection, never through the
layer's own receive path, which the process's open sockets keep busy.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection

# Seconds for all checks together; the compose health check allows more, the proxy's too.
DEADLINE = 0.8


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone()[0] != 1:
            raise RuntimeError("unexpected answer")


def check_cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        raise RuntimeError("value not read back")
    cache.delete(key)


def _redis_client(host: dict, timeout: float):
    """A one-off synchronous client to one of the layer's Redis hosts, with short timeouts."""
    import redis

    options = {key: value for key, value in host.items()
               if key in ("username", "password", "db", "ssl", "ssl_cert_reqs", "ssl_ca_certs")}
    options.update(socket_timeout=timeout, socket_connect_timeout=timeout)
    if "address" in host:
        return redis.Redis.from_url(host["address"], **options)
    return redis.Redis(host=host.get("host", "localhost"), port=host.get("port", 6379), **options)


def check_channel_layer() -> None:
    # The Redis hosts are read from the settings, not from the layer instance: building the
    # process's layer from a thread that may outlive its deadline could leave a stale instance
    # in channels' shared registry.
    config = settings.CHANNEL_LAYERS.get(DEFAULT_CHANNEL_LAYER)
    if not config:
        raise RuntimeError("no channel layer configured")
    hosts = config.get("CONFIG", {}).get("hosts")
    if hosts:  # channels-redis: every shard must answer
        from channels_redis.utils import decode_hosts

        for host in decode_hosts(hosts):
            client = _redis_client(host, DEADLINE)
            try:
                if not client.ping():
                    raise RuntimeError("no PONG")
            finally:
                client.close()
        return

    # The in-memory layer (development): a round trip on a fresh channel, on a loop of our own.
    layer = get_channel_layer()

    async def round_trip():
        channel = await layer.new_channel("healthz.")
        await layer.send(channel, {"type": "healthz"})
        message = await asyncio.wait_for(layer.receive(channel), DEADLINE)
        if message.get("type") != "healthz":
            raise RuntimeError("message not read back")

    asyncio.run(round_trip())


CHECKS = {"database": check_database, "cache": check_cache, "channel_layer": check_channel_layer}


class _Check(threading.Thread):
    def __init__(self, name: str, check) -> None:
        super().__init__(name=f"healthz-{name}", daemon=True)
        self.check = check
        self.result = "error: TimeoutError"

    def run(self) -> None:
        try:
            self.check()
            self.result = "ok"
        except Exception as exc:  # a health endpoint reports, it does not crash
            self.result = f"error: {type(exc).__name__}"
        finally:
            connection.close()  # this thread's own database connection, if the check opened one


def run_checks(deadline: float = DEADLINE) -> tuple[bool, dict[str, str]]:
    """Run every check at once, for at most `deadline` seconds in all; return (all passed,
    {name: "ok" | "error: <class>"}); a check not done in time is "error: TimeoutError"."""
    threads = [_Check(name, check) for name, check in CHECKS.items()]
    for thread in threads:
        thread.start()
    end = time.monotonic() + deadline
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()))
    results = {name: thread.result if not thread.is_alive() else "error: TimeoutError"
               for name, thread in zip(CHECKS, threads, strict=True)}
    return all(value == "ok" for value in results.values()), results
