from datetime import timedelta

from django.core.management.base import BaseCommand

from forum.notifications import outbox


class Command(BaseCommand):
    help = ("Send the immediate notification emails still waiting in the outbox (due for more than a "
            "minute: the in-process worker missed them, e.g. the process stopped), after writing the "
            "notifications of posts still waiting for them. Run from cron every few minutes; safe "
            "alongside the worker and other runs.")

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=int(outbox.COMMAND_GRACE.total_seconds()),
                            help="only emails due for at least this many seconds (default 60)")

    def handle(self, *args, **options):
        grace = timedelta(seconds=max(0, options["older_than"]))
        # First the after-commit work the worker missed (e.g. deciding who hears of a post): the
        # notifications it writes are due now, so they are sent in this same run.
        # The notifications it writes must not go out through this process's worker (or the
        # commit callback) behind its back: this run sends them, and counts them.
        with outbox.worker_off():
            caught_up = outbox.process_pending(older_than=grace)
            sent = outbox.send_due(older_than=timedelta(0) if caught_up else grace)
        if caught_up:
            self.stdout.write(f"{caught_up} pending item(s) processed")
        self.stdout.write(f"{sent} email(s) sent")
