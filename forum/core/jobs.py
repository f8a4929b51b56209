"""Every background job of the forum, declared once, and the scheduler that runs the periodic ones.

A job is a plain function that an app declares in its own `jobs.py` (found at start-up, like
`admin.py`)::

    @jobs.job(name="notifications.digests", schedule=jobs.HOURLY)
    def send_digests() -> int:
        "The daily digest to every member who chose it and is due one."
        return emails.send_digests()

When it runs:
- `EVERY_MINUTE`, `HOURLY`, `DAILY`: on the wall clock (UTC), by `manage.py run_scheduler`. Each job
  runs once per period (minute, hour, day), whatever the number of schedulers: the period a job
  last ran for is kept in the database (`core.ScheduledJobRun`) and taken with a compare-and-swap,
  so a restarted scheduler neither runs a job again in a period that already had it nor skips one
  (a period missed while nothing ran is made up once, at the next tick). A job that raises is
  tried again at the next tick; one whose runner died mid-run, after `STALE_RUN`.
- `AFTER_COMMIT`: work a write hands to the background worker when its transaction commits (who
  hears of a new post). The durable truth is a "pending" column set in the writing transaction;
  the job's function is its catch-up, `run(older_than=timedelta) -> int`, which does whatever the
  worker left undone for that long (the process died). The every-minute
  `notifications.pending_emails` job runs every catch-up, so nothing is lost and stale work is
  taken up again within about a minute.

`manage.py run_scheduler --list` prints the registry.

Django's Tasks API (the django-tasks backport, built into Django 6) was weighed and not adopted:
no wall-clock schedule, and a task queue beside the pending columns would duplicate, not replace,
the guarantees they give (docs/notifications.md, "Background jobs").
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)

AFTER_COMMIT = "after-commit"
EVERY_MINUTE = "every-minute"
HOURLY = "hourly"
DAILY = "daily"
PERIODIC = (EVERY_MINUTE, HOURLY, DAILY)
SCHEDULES = (AFTER_COMMIT, *PERIODIC)

# A run that started this long ago and never finished lost its runner: its period is taken again.
STALE_RUN = timedelta(minutes=30)


@dataclass(frozen=True)
class Job:
    name: str
    schedule: str
    run: Callable[..., Any]
    description: str


_registry: dict[str, Job] = {}


def register(*, name: str, schedule: str, run: Callable[..., Any], description: str = "") -> Job:
    """Declare a job. A name is declared once: a second, different function under it is an error."""
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r} for job {name!r}; one of {', '.join(SCHEDULES)}")
    existing = _registry.get(name)
    if existing is not None and existing.run is not run:
        raise ValueError(f"job {name!r} is already declared ({existing.run.__module__}.{existing.run.__qualname__})")
    doc = description or (run.__doc__ or "").strip().split("\n\n")[0]
    declared = Job(name=name, schedule=schedule, run=run, description=" ".join(doc.split()))
    _registry[name] = declared
    return declared


def job(*, name: str, schedule: str):
    """Decorator form of `register`; the function's docstring (first paragraph) says what it does."""
    def decorate(fn):
        register(name=name, schedule=schedule, run=fn)
        return fn
    return decorate


def unregister(name: str) -> None:
    """Tests only: forget a job declared for the test."""
    _registry.pop(name, None)


def registered(schedule: str | None = None) -> list[Job]:
    """The declared jobs (of one schedule when given), by name."""
    return sorted((j for j in _registry.values() if schedule is None or j.schedule == schedule),
                  key=lambda j: j.name)


def get(name: str) -> Job:
    return _registry[name]


def autodiscover() -> None:
    """Import every installed app's `jobs` module (from CoreConfig.ready)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("jobs")


def period_start(schedule: str, now: datetime) -> datetime:
    """The start (UTC) of the minute, hour or day `now` falls in."""
    now = now.astimezone(UTC)
    if schedule == EVERY_MINUTE:
        return now.replace(second=0, microsecond=0)
    if schedule == HOURLY:
        return now.replace(minute=0, second=0, microsecond=0)
    if schedule == DAILY:
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    raise ValueError(f"{schedule!r} is not a periodic schedule")


def _claim(declared: Job, now: datetime) -> tuple[bool, datetime | None]:
    """Take this period of the job for this caller; returns (taken, the period it had before)."""
    from .models import ScheduledJobRun

    period = period_start(declared.schedule, now)
    row, _created = ScheduledJobRun.objects.get_or_create(name=declared.name)
    due = row.period is None or row.period < period
    stale = row.finished_at is None and row.started_at is not None and row.started_at < now - STALE_RUN
    if not (due or stale):
        return False, row.period
    # Compare-and-swap on what we read: of two schedulers, only one moves it.
    same = Q(period__isnull=True) if row.period is None else Q(period=row.period)
    same &= Q(started_at__isnull=True) if row.started_at is None else Q(started_at=row.started_at)
    taken = ScheduledJobRun.objects.filter(same, name=declared.name).update(
        period=period, started_at=now, finished_at=None, failed=False)
    return taken == 1, row.period


def run_due(*, now: datetime | None = None) -> list[str]:
    """Run every periodic job due at `now` (the wall clock when not given), each at most once per
    period across all schedulers; returns the names of the jobs run. A job that raises is logged and
    made due again (the next tick retries it); the others still run."""
    from .models import ScheduledJobRun

    now = now or timezone.now()
    ran = []
    for declared in registered():
        if declared.schedule not in PERIODIC:
            continue
        with transaction.atomic():
            taken, before = _claim(declared, now)
        if not taken:
            continue
        ran.append(declared.name)
        try:
            result = declared.run()
        except Exception:  # one broken job must not stop the others, nor the scheduler
            logger.exception("scheduled job %s failed", declared.name)
            ScheduledJobRun.objects.filter(name=declared.name, started_at=now).update(
                period=before, finished_at=timezone.now(), failed=True)
            continue
        ScheduledJobRun.objects.filter(name=declared.name, started_at=now).update(finished_at=timezone.now())
        logger.info("scheduled job %s done: %s", declared.name, result)
    return ran


def seconds_to_next_minute(now: datetime) -> float:
    """How long the scheduler sleeps after a tick at `now`: to the next whole minute (no drift)."""
    return max(0.5, 60 - now.second - now.microsecond / 1e6)


# --- The in-process worker that runs after-commit work --------------------------------------------

class Worker:
    """One background thread running what is submitted, in order (`submit(fn, *args) -> Future`).

    Unlike a ThreadPoolExecutor it never refuses work: a command that ends (`seed_demo --force`)
    while a job hands work on to another worker used to fail with "cannot schedule new futures
    after shutdown". The thread is not a daemon and leaves only when the program's main thread has
    ended and every worker is idle, so what was submitted is done before the program exits."""

    _all: list[Worker] = []
    _all_lock = threading.Lock()

    def __init__(self, name: str):
        self.name = name
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._busy = False
        with Worker._all_lock:
            Worker._all.append(self)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        self._queue.put((fn, args, future))
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=False)
                self._thread.start()
        return future

    def _idle(self) -> bool:
        return not self._busy and self._queue.empty()

    def _loop(self) -> None:
        while True:
            try:
                fn, args, future = self._queue.get(timeout=0.2)
            except queue.Empty:
                if not threading.main_thread().is_alive() and all(w._idle() for w in list(Worker._all)):
                    return
                continue
            self._busy = True
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(fn(*args))
                    except BaseException as exc:  # the Future carries it to whoever waits
                        future.set_exception(exc)
            finally:
                self._busy = False



def scheduler_stalled(*, now: datetime, within: timedelta = timedelta(minutes=5)) -> str:
    """Why the scheduler looks stalled ("" when an every-minute job finished within `within`):
    the scheduler container's health check (`run_scheduler --check`)."""
    from .models import ScheduledJobRun

    minutely = [j.name for j in registered() if j.schedule == EVERY_MINUTE]
    last = (ScheduledJobRun.objects.filter(name__in=minutely, finished_at__isnull=False)
            .order_by("-finished_at").values_list("finished_at", flat=True).first())
    if last is None:
        return "no every-minute job has finished yet"
    if last < now - within:
        return f"the last every-minute job finished at {last.isoformat()}"
    return ""


@job(name="core.backup", schedule=DAILY)
def nightly_backup() -> int:
    """Write an archive of the database and the media folder into FORUM_BACKUP_DIR (encrypted with
    FORUM_BACKUP_KEY when set) and remove those older than FORUM_BACKUP_KEEP_DAYS; nothing when
    FORUM_BACKUP_DIR is empty. Returns how many archives were written (0 or 1)."""
    from pathlib import Path

    from forum.core import backup, conf

    if not conf.FORUM_BACKUP_DIR:
        return 0
    made = backup.create(output_dir=Path(conf.FORUM_BACKUP_DIR), key=backup.read_key(key_file=None),
                         keep_days=conf.FORUM_BACKUP_KEEP_DAYS)
    logger.info("backup written: %s", made.path)
    return 1
