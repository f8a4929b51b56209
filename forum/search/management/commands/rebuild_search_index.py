from django.core.management.base import BaseCommand
from django.db import connection

from forum.search import services
from forum.search.models import SearchDocument


class Command(BaseCommand):
    help = "Rebuild the search index from every visible post (after an import, or a change to normalisation)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Posts read per query (default 500).")

    def handle(self, *args, batch_size, **options):
        count = services.index_rebuild(batch_size=batch_size)
        if connection.vendor == "postgresql":
            # Fresh statistics, or the planner guesses row counts of an empty table and picks slow plans.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(SearchDocument._meta.db_table)}")
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} posts."))
