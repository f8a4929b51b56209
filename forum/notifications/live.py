"""Live events after commit (the unread badges, the thread and list pages), sent by the
"forum-live" worker in "thread" mode with a Redis channel layer (see `live_worker_applies`):
queued when the transaction commits and sent in commit order, in one pass over the channel
layer on one event loop, with the badge counts of every member concerned read in one query.
A reply to a thread with 20 watchers used to broadcast 23 times from the request, each
`async_to_sync` call starting a thread and an event loop (~1.7 ms each). Live events are not
durable: a process that dies loses only what open pages would have shown until their next reload.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque

from django.db import connection, transaction

from . import badges
from .workers import _get_live_executor, _submit, mode

logger = logging.getLogger(__name__)

_live_queue: deque = deque()
_live_lock = threading.Lock()
_live_scheduled = False
_live_loop: asyncio.AbstractEventLoop | None = None  # used by the live worker thread only


def broadcast_on_commit(group: str, event: dict) -> None:
    """`forum.core.realtime.broadcast_on_commit`, sent by the live worker instead of the request."""
    transaction.on_commit(lambda: broadcast_now_or_soon(group, event))


def live_worker_applies() -> bool:
    """Whether live events go through the live worker: "thread" mode, with a channel layer that
    is reachable from any thread (Redis, as production requires). The in-process layer used in
    development without Redis delivers into the event loop of the server that holds the sockets,
    which only a broadcast from the request's own thread reaches promptly (`async_to_sync` runs
    on that loop), so there events are sent in the on-commit callback as before."""
    if mode() != "thread":
        return False
    from channels.layers import InMemoryChannelLayer, get_channel_layer

    layer = get_channel_layer()
    return layer is not None and not isinstance(layer, InMemoryChannelLayer)


def broadcast_now_or_soon(group: str, event: dict) -> None:
    """After commit: queue the event for the live worker, or send it now (see `live_worker_applies`)."""
    if not live_worker_applies():
        from forum.core import realtime

        realtime.broadcast(group, event)
        return
    _enqueue(("event", group, event))


def badges_on_commit(user_ids) -> None:
    """After commit, each member's open pages get their unread-notification count."""
    ids = {int(uid) for uid in user_ids}
    if not ids:
        return
    if not live_worker_applies():
        badges.broadcast_unread_counts(ids)
        return
    _enqueue(("badges", ids, None))


def _enqueue(item) -> None:
    global _live_scheduled
    with _live_lock:
        _live_queue.append(item)
        if _live_scheduled:
            return
        _live_scheduled = True
    _submit(_get_live_executor(), _live_work)


def _live_work() -> None:
    """One run of the live worker: everything queued, in order, on the worker's own event loop."""
    global _live_scheduled, _live_loop
    with _live_lock:
        items = list(_live_queue)
        _live_queue.clear()
        _live_scheduled = False
    try:
        messages = _live_messages(items)
        if messages:
            if _live_loop is None or _live_loop.is_closed():
                _live_loop = asyncio.new_event_loop()
            _live_loop.run_until_complete(_send_all(messages))
    except Exception:  # never kill the worker thread
        logger.exception("sending live events failed")
    finally:
        connection.close()


def _live_messages(items) -> list[tuple[str, dict]]:
    from forum.core import realtime

    badge_ids = set().union(*(ids for kind, ids, _event in items if kind == "badges")) if items else set()
    counts = badges.unread_counts(badge_ids) if badge_ids else {}
    messages, badges_sent = [], False
    for kind, target, event in items:
        if kind == "event":
            messages.append((target, event))
        elif not badges_sent:  # all badges at the first badge request's place, with fresh counts
            badges_sent = True
            messages.extend((realtime.user_group(uid), {"type": badges.EVENT_UNREAD, "count": n})
                            for uid, n in counts.items())
    return messages


async def _send_all(messages) -> None:
    from channels.layers import get_channel_layer

    from forum.core import realtime

    layer = get_channel_layer()
    if layer is None:
        return
    for group, event in messages:
        try:
            await layer.group_send(group, realtime.relay_message(group, event))
        except Exception:  # one bad group must not stop the others
            logger.exception("broadcast to %s failed", group)
