from django.core.management.base import BaseCommand

from forum.search import services


class Command(BaseCommand):
    help = "Rebuild the search index from every visible post (after an import, or a change to normalisation)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Posts read per query (default 500).")

    def handle(self, *args, batch_size, **options):
        count = services.index_rebuild(batch_size=batch_size)
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} posts."))
