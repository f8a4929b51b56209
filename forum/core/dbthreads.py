"""Database work of sockets on a few threads per process, not on channels' single one.

Channels' `database_sync_to_async` is thread-sensitive: every socket of a process queues its
database work (connect checks, replays, writes) on ONE thread. `run(fn, *args)` runs it on this
event loop's small pool instead (`FORUM_WS_DB_THREADS` threads; each keeps its own database
connection, closed when it is too old or broken before and after every call, as
`database_sync_to_async` does, and for good by `shutdown()`). With 0 threads (the default on
SQLite, which has one writer at a time) it is `database_sync_to_async` itself.

A pool runs calls at the same time, so it keeps no order: a caller that needs one (a live room's
writes, whose broadcasts must leave in `seq` order) holds a lock of its own around the call.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import close_old_connections, connections

from . import conf

_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ThreadPoolExecutor] = weakref.WeakKeyDictionary()


def threads() -> int:
    wanted = conf.FORUM_WS_DB_THREADS
    if wanted >= 0:
        return wanted
    return 0 if connections["default"].vendor == "sqlite" else 4


def _pool() -> ThreadPoolExecutor | None:
    size = threads()
    if not size:
        return None
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None:
        pool = _pools[loop] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="ws-db")
    return pool


def _call(fn, args, kwargs):
    close_old_connections()
    try:
        return fn(*args, **kwargs)
    finally:
        close_old_connections()


async def run(fn, *args, **kwargs):
    """`fn(*args, **kwargs)` in a database thread; its result (or exception)."""
    pool = _pool()
    if pool is None:
        return await database_sync_to_async(fn)(*args, **kwargs)
    return await sync_to_async(_call, thread_sensitive=False, executor=pool)(fn, args, kwargs)


async def shutdown() -> None:
    """Close every pool thread's database connections and stop this loop's pool (tests; the end of
    a server process)."""
    pool = _pools.pop(asyncio.get_running_loop(), None)
    if pool is None:
        return
    size = pool._max_workers
    barrier = threading.Barrier(size)

    def close():  # one call per thread: each waits for the others, so no thread takes two
        try:
            barrier.wait(timeout=5)
        except threading.BrokenBarrierError:
            pass
        connections.close_all()

    loop = asyncio.get_running_loop()
    await asyncio.gather(*(loop.run_in_executor(pool, close) for _ in range(size)))
    pool.shutdown(wait=False)
