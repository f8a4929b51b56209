"""The two background threads of each process and the mode they run in (`FORUM_EMAIL_WORKER`).

"forum-email" runs the after-commit jobs and sends the immediate emails (outbox.py);
"forum-live" sends live events (live.py), so a slow mail server never delays a badge. Both are
`forum.core.jobs.Worker` threads: they run what they are given in order and finish it before the
program exits. `FORUM_EMAIL_WORKER`: "thread" (the default), "sync" (everything in the on-commit
callback itself; tests), or False / "off" (no worker: the every-minute job sends the email).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from forum.core import conf, jobs

# The two background threads of this process: "forum-email" runs after-commit jobs and sends
# email, "forum-live" sends live events (so a slow mail server never delays a badge).
email_worker = jobs.Worker("forum-email")
live_worker = jobs.Worker("forum-live")


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


def _get_executor() -> jobs.Worker:
    return email_worker


def _get_live_executor() -> jobs.Worker:
    return live_worker


_submissions = 0  # work handed to either worker so far (jobs queue further work when they run)


def _submit(executor: jobs.Worker, fn):
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
