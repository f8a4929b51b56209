"""What follows a commit, done outside the writer's request: immediate notification email (a durable
outbox in the notifications table) and live events (the unread badges, the thread and list pages).

Every new notification is written with `email_due_at` set (same insert, no extra query): "decide
about an immediate email for this one". Nothing is sent inside the writer's request. When the
writing transaction commits, `schedule()` wakes a small in-process worker (one thread) that takes
everything due, sends what the recipients want at once (preference "immediately", an address,
not a repeat of an unread watched thread already emailed), and clears `email_due_at`; notices for
members on the daily digest or "never" are cleared unsent (the digest still finds them by
`emailed_at IS NULL`).

Nothing is lost when the process dies: rows stay due in the database, and
`manage.py send_pending_emails` (cron, every few minutes) sends whatever has been due for more
than a minute. Rows are taken with a lease (`email_due_at` moved `LEASE` into the future, then
read back by that exact value), so the worker and the command never send the same notice twice;
a sender that dies holding a lease leaves its rows due again when the lease runs out.

Live events (`broadcast_on_commit`, `badges_on_commit`) go the same way in "thread" mode with a
Redis channel layer (see `live_worker_applies`): queued
when the transaction commits and sent by a second one-thread worker ("forum-live", so a slow mail
server never delays a badge), in commit order, in one pass over the channel layer on one event
loop, with the badge counts of every member concerned read in one query. A reply to a thread with
20 watchers used to broadcast 23 times from the request, each `async_to_sync` call starting a
thread and an event loop (~1.7 ms each). Live events are not durable: a process that dies loses
only what open pages would have shown until their next reload.

Apps above hand this worker work of their own with `run_after_commit` (the discussions app: who
hears of a new post, and writing those notifications), durable the same way: they mark it pending
in the writing transaction and register a processor (`register_pending`) that
`send_pending_emails` runs first for anything pending over a minute.

`FORUM_EMAIL_WORKER`: "thread" (the default: the background threads), "sync" (send email and live
events in the on-commit callback itself; tests), or False / "off" (no email worker: only the
command sends email; live events are sent in the on-commit callback).
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from forum.core import conf

from .models import Notification

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
BATCH = 200
# The command leaves fresh rows to the worker and sends only what has waited this long.
COMMAND_GRACE = timedelta(minutes=1)

_executor: ThreadPoolExecutor | None = None
_live_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


_local = threading.local()


@contextmanager
def worker_off():
    """Within, in this thread: as FORUM_EMAIL_WORKER "off" (nothing is sent after commit; the
    caller sends). `send_pending_emails` counts what it sends, so nothing may leave behind it."""
    _local.off = True
    try:
        yield
    finally:
        _local.off = False


def mode() -> str:
    if getattr(_local, "off", False):
        return "off"
    value = conf.FORUM_EMAIL_WORKER
    if value is False or value in ("off", "false", "0", "", None):
        return "off"
    if value == "sync":
        return "sync"
    return "thread"


def _get_executor() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="forum-email")
        return _executor


def _get_live_executor() -> ThreadPoolExecutor:
    global _live_executor
    with _executor_lock:
        if _live_executor is None:
            _live_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="forum-live")
        return _live_executor


_submissions = 0  # work handed to either worker so far (jobs queue further work when they run)


def _submit(executor: ThreadPoolExecutor, fn):
    global _submissions
    _submissions += 1
    return executor.submit(fn)


def wait_for_workers(timeout: float = 30) -> None:
    """Block until both workers are idle, including the work their own jobs queued meanwhile
    (a fan-out job queues emails and badges): tests, benchmarks, shutdown."""
    while True:
        before = _submissions
        for get in (_get_executor, _get_live_executor):
            get().submit(lambda: None).result(timeout=timeout)
        if _submissions == before:
            return


def schedule():
    """Call after commit: have the due emails sent. Returns the worker's Future in "thread" mode
    (tests wait on it), the number sent in "sync" mode, None when the worker is off."""
    current = mode()
    if current == "off":
        return None
    if current == "sync":
        return send_due()
    return _submit(_get_executor(), _work)


def _work() -> int:
    """One run of the background worker: send every due email, then give the connection back."""
    try:
        return send_due()
    except Exception:  # a broken mail server or database must not kill the worker thread
        logger.exception("sending due notification emails failed")
        return 0
    finally:
        connection.close()


# --- Jobs of the apps above, after commit, and what the command catches up on -------------------
_pending_processors: list = []


def run_after_commit(job) -> None:
    """When the current transaction commits, run `job()` outside the request: on the email worker
    ("thread"; then the emails it made due go out), in the callback itself ("sync"), or not at
    all ("off": the app registered a processor with `register_pending` that the command runs)."""
    current = mode()
    if current == "off":
        return
    if current == "sync":
        transaction.on_commit(job)
        return
    transaction.on_commit(lambda: _submit(_get_executor(), lambda: _run_job(job)))


def _run_job(job) -> None:
    try:
        job()
        # What the job queued for the live worker (badges) goes first; the emails then, in this
        # same run. Never two workers on the database at once for one write.
        _get_live_executor().submit(lambda: None).result(timeout=60)
        send_due()
    except Exception:  # never kill the worker thread; the command catches up on what was left
        logger.exception("a job after commit failed")
    finally:
        connection.close()


def register_pending(processor) -> None:
    """An app above registers `processor(older_than=timedelta) -> int`, which does the work its
    `run_after_commit` jobs left undone for at least `older_than` (`send_pending_emails` runs it)."""
    if processor not in _pending_processors:
        _pending_processors.append(processor)


def process_pending(*, older_than: timedelta) -> int:
    """Run every registered processor; returns how many items they caught up on."""
    return sum(processor(older_than=older_than) for processor in _pending_processors)


def _claim(*, due_before, limit: int) -> list[Notification]:
    """Take up to `limit` rows due before `due_before` under a lease only this caller holds."""
    now = timezone.now()
    ids = list(Notification.objects.filter(email_due_at__isnull=False, email_due_at__lte=due_before)
               .order_by("email_due_at", "id").values_list("id", flat=True)[:limit])
    if not ids:
        return []
    # A lease value nobody else will pick (random microseconds): what we set is what we read back.
    lease = now + LEASE + timedelta(microseconds=random.randrange(1, 10**6))  # noqa: S311 - not security
    with transaction.atomic():
        Notification.objects.filter(pk__in=ids, email_due_at__isnull=False, email_due_at__lte=due_before).update(
            email_due_at=lease)
    return list(Notification.objects.filter(email_due_at=lease).select_related("recipient", "actor")
                .order_by("id"))


def send_due(*, older_than: timedelta | None = None) -> int:
    """Send every immediate email due (those due for at least `older_than`, when given); returns
    how many were sent. Safe to run from several processes at once."""
    from . import emails

    sent = 0
    # Fixed for the run: rows that fail are made due again at "now", after the cutoff, so a mail
    # server that is down ends the run instead of looping (the next run or the command retries).
    cutoff = timezone.now() - (older_than or timedelta(0))
    while True:
        rows = _claim(due_before=cutoff, limit=BATCH)
        if not rows:
            return sent
        sent += emails.deliver_immediate(rows)
        if len(rows) < BATCH:
            return sent


# --- Live events --------------------------------------------------------------------------------
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
        from . import services

        services.broadcast_unread_counts(ids)
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

    from . import services

    badge_ids = set().union(*(ids for kind, ids, _event in items if kind == "badges")) if items else set()
    counts = services.unread_counts(badge_ids) if badge_ids else {}
    messages, badges_sent = [], False
    for kind, target, event in items:
        if kind == "event":
            messages.append((target, event))
        elif not badges_sent:  # all badges at the first badge request's place, with fresh counts
            badges_sent = True
            messages.extend((realtime.user_group(uid), {"type": services.EVENT_UNREAD, "count": n})
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
            await layer.group_send(group, {"type": realtime.RELAY_HANDLER, "event": event})
        except Exception:  # one bad group must not stop the others
            logger.exception("broadcast to %s failed", group)
