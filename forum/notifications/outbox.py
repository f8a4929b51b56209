"""What follows a commit, done outside the writer's request: immediate notification email (a durable
outbox in the notifications table) and live events (the unread badges, the thread and list pages).

Every new notification is written with `email_due_at` set (same insert, no extra query): "decide
about an immediate email for this one". Nothing is sent inside the writer's request. When the
writing transaction commits, `schedule()` wakes a small in-process worker (one thread) that takes
everything due, sends what the recipients want at once (preference "immediately", an address,
not a repeat of an unread watched thread already emailed), and clears `email_due_at`; notices for
members on the daily digest or "never" are cleared unsent (the digest still finds them by
`emailed_at IS NULL`).

Nothing is lost when the process dies: rows stay due in the database, and the every-minute job
`notifications.pending_emails` (`manage.py run_scheduler`; by hand: `send_pending_emails`) sends
whatever has been due for more than a minute. Rows are taken with a lease (`email_due_at` moved `LEASE` into the future, then
read back by that exact value), so the worker and the command never send the same notice twice;
a sender that dies holding a lease leaves its rows due again when the lease runs out.

Live events (the badges, the thread and list pages) are sent after commit by the other worker
thread: live.py. The two threads and their mode (`FORUM_EMAIL_WORKER`) are in workers.py.

Apps above hand this worker work of their own with `run_after_commit` (the discussions app: who
hears of a new post, and writing those notifications), durable the same way: they mark it pending
in the writing transaction and declare an `AFTER_COMMIT` job in the registry (forum/core/jobs.py)
whose catch-up `catch_up` (the every-minute job, and `send_pending_emails`) runs first for
anything pending over a minute.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from forum.core import jobs

from . import emails
from .live import badges_on_commit as badges_on_commit
from .live import broadcast_now_or_soon as broadcast_now_or_soon
from .live import broadcast_on_commit as broadcast_on_commit
from .live import live_worker_applies as live_worker_applies
from .models import Notification
from .workers import _get_executor as _get_executor
from .workers import _get_live_executor as _get_live_executor
from .workers import _submit
from .workers import mode as mode
from .workers import wait_for_workers as wait_for_workers
from .workers import worker_off as worker_off

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
BATCH = 200
# The command leaves fresh rows to the worker and sends only what has waited this long.
COMMAND_GRACE = timedelta(minutes=1)


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


def run_after_commit(job) -> None:
    """When the current transaction commits, run `job()` outside the request: on the email worker
    ("thread"; then the emails it made due go out), in the callback itself ("sync"), or not at
    all ("off": the every-minute job of `forum.core.jobs` runs every after-commit job's catch-up)."""
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


def process_pending(*, older_than: timedelta) -> int:
    """Run the catch-up of every after-commit job (forum/core/jobs.py, `AFTER_COMMIT`): the work
    left pending for at least `older_than`. Returns how many items they caught up on."""
    return sum(declared.run(older_than=older_than) for declared in jobs.registered(jobs.AFTER_COMMIT))


def catch_up(*, older_than: timedelta = COMMAND_GRACE) -> tuple[int, int]:
    """What the worker missed (e.g. the process stopped): first the after-commit work pending for
    `older_than` (the notifications it writes are due now, so they go out in this same run), then
    the emails due as long. Returns (items caught up on, emails sent). What this writes is sent
    here and counted, never by this process's worker behind its back."""
    with worker_off():
        caught_up = process_pending(older_than=older_than)
        sent = send_due(older_than=timedelta(0) if caught_up else older_than)
    return caught_up, sent


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
