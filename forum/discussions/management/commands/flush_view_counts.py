"""Move thread view counts pending in the cache into the database."""

from django.core.management.base import BaseCommand

from forum.discussions import viewcounts


class Command(BaseCommand):
    help = "Write the thread view counts pending in the cache into the database."

    def handle(self, *args, **options):
        moved = viewcounts.flush_all()
        self.stdout.write(f"{moved} views written.")
