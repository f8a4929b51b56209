"""Readiness checks of the parts a request needs: database, cache, channel layer."""

from __future__ import annotations

import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connection


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


def check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")

    async def round_trip():
        channel = await layer.new_channel("healthz.")
        await layer.send(channel, {"type": "healthz"})
        message = await layer.receive(channel)
        if message.get("type") != "healthz":
            raise RuntimeError("message not read back")

    async_to_sync(round_trip)()


CHECKS = {"database": check_database, "cache": check_cache, "channel_layer": check_channel_layer}


def run_checks() -> tuple[bool, dict[str, str]]:
    """Run every check; return (all passed, {name: "ok" | "error: <class>"})."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # a health endpoint reports, it does not crash
            results[name] = f"error: {type(exc).__name__}"
    return all(value == "ok" for value in results.values()), results
