"""Compile every locale/*/LC_MESSAGES/*.po to .mo with polib, so no gettext is needed to run the site."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po → .mo) without gettext."

    def handle(self, *args, **options):
        compiled = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                try:
                    binary = polib.pofile(str(po_path)).to_binary()
                    # Compared by content, not by date: a fresh clone gives the .po and a stale
                    # committed .mo the same checkout time, and the .mo would be kept.
                    if mo_path.exists() and mo_path.read_bytes() == binary:
                        continue
                    mo_path.write_bytes(binary)
                except (OSError, ValueError) as exc:
                    raise CommandError(f"{po_path}: {exc}") from exc
                compiled += 1
        self.stdout.write(f"{compiled} catalogue(s) compiled.")
