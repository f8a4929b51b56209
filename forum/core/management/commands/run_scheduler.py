"""manage.py run_scheduler: run the periodic background jobs on the wall clock (forum/core/jobs.py)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from forum.core import jobs


class Command(BaseCommand):
    help = ("Run every periodic background job (every minute, hourly, daily; UTC wall clock) at the top "
            "of its period, for ever. Each job runs once per period across restarts and schedulers "
            "(the last run is kept in the database). --once: one tick and exit. --list: the jobs.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run what is due now, then exit")
        parser.add_argument("--list", action="store_true", help="list the declared jobs and exit")
        parser.add_argument("--check", action="store_true",
                            help="health check: exit 1 unless an every-minute job finished in the last 5 minutes")

    def handle(self, *args, once=False, list=False, check=False, **options):  # noqa: A002 - the option's name
        if check:
            late = jobs.scheduler_stalled(now=timezone.now())
            if late:
                raise CommandError(late)
            self.stdout.write("ok")
            return
        if list:
            for declared in jobs.registered():
                self.stdout.write(f"{declared.name:32} {declared.schedule:13} {declared.description}")
            return
        self.loop(ticks=1 if once else None)

    def loop(self, *, ticks: int | None = None, clock=timezone.now, sleep=time.sleep) -> None:
        """Tick at each whole minute: run what is due, then sleep to the next minute. `clock` and
        `sleep` are the wall clock unless a test passes its own; `ticks` bounds the loop."""
        done = 0
        while ticks is None or done < ticks:
            ran = jobs.run_due(now=clock())
            if ran:
                self.stdout.write(f"ran: {', '.join(ran)}")
            done += 1
            if ticks is None or done < ticks:
                sleep(jobs.seconds_to_next_minute(clock()))
