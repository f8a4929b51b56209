"""Delete uploaded images that no post took within the waiting time (files included)."""

from django.core.management.base import BaseCommand

from forum.discussions import attachments


class Command(BaseCommand):
    help = ("Delete uploaded images no post shows, older than FORUM_UPLOAD_PENDING_HOURS (24 by default), "
            "files included. Run from cron daily; only their uploaders ever saw them.")

    def add_arguments(self, parser):
        parser.add_argument("--older-than-hours", type=int, default=None,
                            help="prune uploads waiting longer than this (default: FORUM_UPLOAD_PENDING_HOURS)")

    def handle(self, *args, **options):
        hours = options["older_than_hours"]
        if hours is not None and hours < 1:
            hours = 1
        count = attachments.attachments_prune(older_than_hours=hours)
        self.stdout.write(f"{count} waiting upload(s) deleted.")
