from datetime import timedelta

from django.core.management.base import BaseCommand

from forum.notifications import outbox


class Command(BaseCommand):
    help = ("Send the immediate notification emails still waiting in the outbox (due for more than a "
            "minute: the in-process worker missed them, e.g. the process stopped), after writing the "
            "notifications of posts still waiting for them. run_scheduler runs it every minute; "
            "safe alongside the worker and other runs.")

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=int(outbox.COMMAND_GRACE.total_seconds()),
                            help="only emails due for at least this many seconds (default 60)")

    def handle(self, *args, **options):
        caught_up, sent = outbox.catch_up(older_than=timedelta(seconds=max(0, options["older_than"])))
        if caught_up:
            self.stdout.write(f"{caught_up} pending item(s) processed")
        self.stdout.write(f"{sent} email(s) sent")
