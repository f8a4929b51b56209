"""Write the table of FORUM_* settings in docs/configuration.md from their declarations in forum/core/conf.py."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from forum.core import conf

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "configuration.md"


class Command(BaseCommand):
    help = "Rewrite the FORUM_* settings table of docs/configuration.md from forum/core/conf.py."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="change nothing; fail if the table is out of date")

    def handle(self, *args, check=False, **options):
        current = DOCUMENT.read_text(encoding="utf-8")
        try:
            wanted = conf.with_table(current)
        except ValueError as exc:
            raise CommandError(f"{DOCUMENT}: the markers of the settings table are missing.") from exc
        if wanted == current:
            self.stdout.write("docs/configuration.md: the settings table is up to date.")
            return
        if check:
            raise CommandError("docs/configuration.md: the settings table is out of date; "
                               "run `manage.py settings_docs`.")
        DOCUMENT.write_text(wanted, encoding="utf-8")
        self.stdout.write("docs/configuration.md: the settings table was rewritten.")
