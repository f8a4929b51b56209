"""Set the thread and category counters to a recount of the posts (repairs drift)."""

from django.core.management.base import BaseCommand

from forum.discussions.counters import counters_recount


class Command(BaseCommand):
    help = "Recount replies per thread and threads and posts per category; correct those that differ."

    def handle(self, *args, **options):
        threads, categories = counters_recount()
        self.stdout.write(f"{threads} threads and {categories} categories corrected.")
