"""Page sockets' layer cost: 1,000 thread readers joining their groups, per socket (main) or
through the process's hub (branch sock-hub), on real Redis (channels-redis), in one run.

    .venv/bin/python bench/hub_connect.py [--sockets 1000] [--burst 200] [--redis-url redis://127.0.0.1:6379/4]

No Django sockets, no database: each "socket" stands for what a thread page's consumer asks of the
channel layer, the rest of its work being the same in both modes:
- `per-socket` (main): a channel of its own (`new_channel`), `group_add` of its user group and the
  thread group with it, and a receive waiting on it (channels' consumer does that for every socket);
- `hub`: `hub.subscribe(user group)` and `hub.subscribe(thread group)` (one channel, one receive).
Measured: seconds to connect them all (`--burst` at a time, as a burst of page loads), layer calls,
Python memory per idle socket (tracemalloc, after the burst), then one thread event sent and the
seconds until every socket has it. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup(redis_url: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ["REDIS_URL"] = redis_url
    import django

    django.setup()


class Counting:
    """Wraps a channels-redis layer, counting calls."""

    def __init__(self, layer):
        self.layer, self.calls = layer, {}

    def __getattr__(self, name):
        attr = getattr(self.layer, name)
        if not callable(attr) or name.startswith("_"):
            return attr

        async def counted(*args, **kwargs):
            self.calls[name] = self.calls.get(name, 0) + 1
            return await attr(*args, **kwargs)

        return counted


async def per_socket(layer, n: int, thread: str, received: list, gate: asyncio.Semaphore):
    async def reader(channel):
        while True:
            message = await layer.receive(channel)
            received.append(message["event"])

    async def socket(i):
        async with gate:
            channel = await layer.new_channel()
            await layer.group_add(f"bench.user.{thread}.{i}", channel)
            await layer.group_add(thread, channel)
            return channel, asyncio.ensure_future(reader(channel))

    return await asyncio.gather(*(socket(i) for i in range(n)))


async def via_hub(hub, n: int, thread: str, received: list, gate: asyncio.Semaphore):
    class Socket:
        async def deliver(self, event, text):
            received.append(event)

    async def socket(i):
        async with gate:
            s = Socket()
            await hub.subscribe(f"bench.user.{thread}.{i}", s, ordered=False)
            await hub.subscribe(thread, s, ordered=False)
            return s

    return await asyncio.gather(*(socket(i) for i in range(n)))


async def run(mode: str, n: int, burst: int, config: dict) -> dict:
    from channels_redis.core import RedisChannelLayer

    from forum.core.hub import Hub
    from forum.core.realtime import relay_message

    layer = Counting(RedisChannelLayer(**config))
    sender = RedisChannelLayer(**config)
    thread = f"bench.thread.{uuid.uuid4().hex[:8]}"
    received: list = []
    gate = asyncio.Semaphore(burst)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    if mode == "hub":
        hub = Hub(layer)
        sockets = await via_hub(hub, n, thread, received, gate)
    else:
        sockets = await per_socket(layer, n, thread, received, gate)
    connect_seconds = time.perf_counter() - started
    await asyncio.sleep(1)
    memory = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    calls = dict(layer.calls)
    started = time.perf_counter()
    await sender.group_send(thread, relay_message(thread, {"type": "discussions.post.created", "seq": 1}))
    deadline = time.perf_counter() + 120
    while len(received) < n and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    fanout_seconds = time.perf_counter() - started
    result = {"mode": mode, "sockets": n, "burst": burst, "connect_seconds": round(connect_seconds, 2),
              "layer_calls": calls, "python_bytes_per_socket": round(memory / n),
              "event_reached": len(received), "event_seconds": round(fanout_seconds, 3)}
    if mode == "hub":
        for i, s in enumerate(sockets):
            await hub.unsubscribe(f"bench.user.{thread}.{i}", s)
            await hub.unsubscribe(thread, s)
    else:
        for _channel, task in sockets:
            task.cancel()
        await asyncio.gather(*(task for _c, task in sockets), return_exceptions=True)
    await layer.layer.flush()
    await layer.layer.close_pools()
    await sender.close_pools()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/4")
    args = parser.parse_args()
    setup(args.redis_url)
    from django.conf import settings

    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    results = [asyncio.run(run(mode, args.sockets, args.burst, config)) for mode in ("per-socket", "hub")]
    print(json.dumps({"load": os.getloadavg(), "results": results}, indent=1))


if __name__ == "__main__":
    main()
