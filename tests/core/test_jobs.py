"""The job registry and the wall-clock scheduler (forum/core/jobs.py, manage.py run_scheduler):
each periodic job runs once per minute / hour / day (UTC), a restart neither runs one again in a
period that had it nor skips one, and a failing job is retried at the next tick. Time is a fake
clock passed in; nothing sleeps."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from forum.core import jobs
from forum.core.management.commands.run_scheduler import Command as RunScheduler
from forum.core.models import ScheduledJobRun

pytestmark = pytest.mark.django_db


def at(day, hour, minute, second=0):
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def calls():
    """Three test jobs, one per periodic schedule; `calls` lists their runs in order."""
    made: list[str] = []
    names = {"test.minute": jobs.EVERY_MINUTE, "test.hourly": jobs.HOURLY, "test.daily": jobs.DAILY}
    for name, schedule in names.items():
        jobs.register(name=name, schedule=schedule, run=lambda name=name: made.append(name))
    yield made
    for name in names:
        jobs.unregister(name)


def ran_tests(names):
    return [n for n in names if n.startswith("test.")]


def test_every_background_job_of_the_forum_is_declared_once_with_its_schedule():
    declared = {j.name: j.schedule for j in jobs.registered()}
    assert declared == {
        "consultations.reminders": jobs.EVERY_MINUTE,
        "core.backup": jobs.DAILY,
        "discussions.fanout": jobs.AFTER_COMMIT,
        "discussions.prune_attachments": jobs.DAILY,
        "discussions.view_counts": jobs.EVERY_MINUTE,
        "live.purge_off_the_record": jobs.HOURLY,
        "live.reminders": jobs.EVERY_MINUTE,
        "notifications.digests": jobs.HOURLY,
        "search.index_pending": jobs.AFTER_COMMIT,
        "notifications.pending_emails": jobs.EVERY_MINUTE,
    }
    assert all(j.description for j in jobs.registered())  # each says what it does


def test_a_job_name_is_declared_once_and_schedules_are_known():
    with pytest.raises(ValueError, match="already declared"):
        jobs.register(name="notifications.digests", schedule=jobs.HOURLY, run=lambda: 0)
    with pytest.raises(ValueError, match="unknown schedule"):
        jobs.register(name="test.weekly", schedule="weekly", run=lambda: 0)
    assert "test.weekly" not in {j.name for j in jobs.registered()}


def test_each_job_runs_once_per_period_of_the_wall_clock(calls):
    assert ran_tests(jobs.run_due(now=at(1, 10, 0, 5))) == ["test.daily", "test.hourly", "test.minute"]
    assert ran_tests(jobs.run_due(now=at(1, 10, 0, 40))) == []  # same minute: nothing again
    assert ran_tests(jobs.run_due(now=at(1, 10, 1, 2))) == ["test.minute"]
    assert ran_tests(jobs.run_due(now=at(1, 10, 59, 59))) == ["test.minute"]
    assert ran_tests(jobs.run_due(now=at(1, 11, 0, 1))) == ["test.hourly", "test.minute"]  # top of the hour
    assert ran_tests(jobs.run_due(now=at(2, 0, 0, 3))) == ["test.daily", "test.hourly", "test.minute"]
    assert calls.count("test.daily") == 2 and calls.count("test.hourly") == 3


def test_a_restart_neither_runs_a_job_again_nor_skips_one(calls):
    jobs.run_due(now=at(1, 23, 58))  # the daily and hourly jobs ran for 1 March
    # The scheduler restarts (its memory is gone; the database keeps the periods): no rerun at once.
    assert ran_tests(jobs.run_due(now=at(1, 23, 59, 30))) == ["test.minute"]
    # Then it was down from 23:59:40 to 05:17 the next morning: the missed day and hours are made up
    # once, at the first tick, not skipped and not once per missed period.
    assert ran_tests(jobs.run_due(now=at(2, 5, 17))) == ["test.daily", "test.hourly", "test.minute"]
    assert ran_tests(jobs.run_due(now=at(2, 5, 18))) == ["test.minute"]
    assert calls.count("test.daily") == 2
    assert ScheduledJobRun.objects.get(name="test.daily").period == at(2, 0, 0)


def test_two_schedulers_at_the_same_time_run_each_job_once(calls):
    first = jobs.run_due(now=at(1, 9, 30, 1))
    second = jobs.run_due(now=at(1, 9, 30, 2))  # another scheduler process, a second later
    assert ran_tests(first) == ["test.daily", "test.hourly", "test.minute"] and ran_tests(second) == []
    assert len(calls) == 3


def test_a_failing_job_is_retried_at_the_next_tick_and_the_others_still_run(calls):
    attempts = []

    def flaky():
        """Fails once."""
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("mail server down")

    jobs.register(name="test.flaky", schedule=jobs.DAILY, run=flaky)
    try:
        assert "test.minute" in jobs.run_due(now=at(1, 8, 0))
        row = ScheduledJobRun.objects.get(name="test.flaky")
        assert row.failed and row.period is None  # not counted as run for the day
        assert "test.flaky" in jobs.run_due(now=at(1, 8, 1))  # retried
        assert "test.flaky" not in jobs.run_due(now=at(1, 8, 2))  # and then once a day
        assert len(attempts) == 2 and not ScheduledJobRun.objects.get(name="test.flaky").failed
    finally:
        jobs.unregister("test.flaky")


def test_a_run_whose_scheduler_died_is_taken_up_again(calls):
    jobs.run_due(now=at(1, 6, 0))
    # The scheduler died in the middle of today's daily run: started, never finished.
    ScheduledJobRun.objects.filter(name="test.daily").update(finished_at=None)
    assert "test.daily" not in jobs.run_due(now=at(1, 6, 10))  # it may still be running
    assert "test.daily" in jobs.run_due(now=at(1, 6, 0) + jobs.STALE_RUN + timedelta(minutes=1))


def test_run_scheduler_ticks_at_each_whole_minute_without_drift(calls):
    """The loop sleeps to the next whole minute, however long the jobs took."""
    now = [at(1, 12, 0, 7)]
    slept = []

    def clock():
        return now[0]

    def sleep(seconds):
        slept.append(seconds)
        now[0] += timedelta(seconds=seconds)

    def slow_minute():
        """Takes 13 seconds of the fake clock."""
        now[0] += timedelta(seconds=13)

    jobs.register(name="test.slow", schedule=jobs.EVERY_MINUTE, run=slow_minute)
    try:
        out = StringIO()
        command = RunScheduler(stdout=out)
        command.loop(ticks=3, clock=clock, sleep=sleep)
    finally:
        jobs.unregister("test.slow")
    assert [round(s, 3) for s in slept] == [40.0, 47.0]  # 12:00:20 -> 12:01, 12:01:13 -> 12:02
    assert now[0] == at(1, 12, 2, 13)
    assert calls.count("test.minute") == 3 and calls.count("test.hourly") == 1
    assert out.getvalue().count("ran:") == 3


def test_run_scheduler_once_and_list(calls):
    out = StringIO()
    call_command("run_scheduler", "--list", stdout=out)
    assert "notifications.digests" in out.getvalue() and "hourly" in out.getvalue()
    call_command("run_scheduler", "--once", stdout=StringIO())
    assert sorted(calls) == ["test.daily", "test.hourly", "test.minute"]
    call_command("run_scheduler", "--once", stdout=StringIO())  # same minute: nothing again
    assert len(calls) == 3


def test_the_minute_job_catches_up_on_every_after_commit_job():
    """An app's AFTER_COMMIT job is its catch-up: the every-minute job runs it for work left
    pending over a minute (the worker's process died)."""
    seen = []
    jobs.register(name="test.after_commit", schedule=jobs.AFTER_COMMIT,
                  run=lambda *, older_than: seen.append(older_than) or 2)
    try:
        out = StringIO()
        call_command("send_pending_emails", stdout=out)
        assert seen == [timedelta(minutes=1)] and "2 pending item(s) processed" in out.getvalue()
        jobs.get("notifications.pending_emails").run()
        assert seen == [timedelta(minutes=1)] * 2
    finally:
        jobs.unregister("test.after_commit")


@pytest.mark.django_db
def test_the_scheduler_health_check_fails_when_no_minute_job_finished_lately():
    now = timezone.now()
    assert "no every-minute job" in jobs.scheduler_stalled(now=now)
    with pytest.raises(CommandError):
        call_command("run_scheduler", check=True)
    ScheduledJobRun.objects.create(name="notifications.pending_emails", finished_at=now - timedelta(minutes=2))
    assert jobs.scheduler_stalled(now=now) == ""
    call_command("run_scheduler", check=True)  # healthy: no error
    assert "finished at" in jobs.scheduler_stalled(now=now + timedelta(minutes=10))
    # A daily job that ran says nothing about the minute loop.
    ScheduledJobRun.objects.create(name="core.backup", finished_at=now + timedelta(minutes=9))
    assert "finished at" in jobs.scheduler_stalled(now=now + timedelta(minutes=10))
