"""Immediate notification email, sent outside the request: a durable outbox in the notifications table.

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

`FORUM_EMAIL_WORKER`: "thread" (the default: the background thread), "sync" (send in the
on-commit callback itself; tests), or False / "off" (no worker; only the command sends).
"""

from __future__ import annotations

import logging
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
BATCH = 200
# The command leaves fresh rows to the worker and sends only what has waited this long.
COMMAND_GRACE = timedelta(minutes=1)

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def mode() -> str:
    value = getattr(settings, "FORUM_EMAIL_WORKER", "thread")
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


def schedule():
    """Call after commit: have the due emails sent. Returns the worker's Future in "thread" mode
    (tests wait on it), the number sent in "sync" mode, None when the worker is off."""
    current = mode()
    if current == "off":
        return None
    if current == "sync":
        return send_due()
    return _get_executor().submit(_work)


def _work() -> int:
    """One run of the background worker: send every due email, then give the connection back."""
    try:
        return send_due()
    except Exception:  # a broken mail server or database must not kill the worker thread
        logger.exception("sending due notification emails failed")
        return 0
    finally:
        connection.close()


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
