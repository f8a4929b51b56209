from datetime import timedelta

from django.core.management.base import BaseCommand

from forum.notifications import outbox


class Command(BaseCommand):
    help = ("Send the immediate notification emails still waiting in the outbox (due for more than a "
            "minute: the in-process worker missed them, e.g. the process stopped). Run from cron every "
            "few minutes; safe alongside the worker and other runs.")

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=int(outbox.COMMAND_GRACE.total_seconds()),
                            help="only emails due for at least this many seconds (default 60)")

    def handle(self, *args, **options):
        sent = outbox.send_due(older_than=timedelta(seconds=max(0, options["older_than"])))
        self.stdout.write(f"{sent} email(s) sent")
