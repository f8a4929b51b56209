"""manage.py import_members FILE.csv [--dry-run] [--no-email]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from forum.organisations import importing


class Command(BaseCommand):
    help = ("Create organisations and invitations from a CSV file with the columns email, name, "
            "organisation, role. All or nothing: a bad line stops the import and every bad line is listed.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the CSV file (UTF-8, header row required).")
        parser.add_argument("--dry-run", action="store_true", help="Check and report, change nothing.")
        parser.add_argument("--no-email", action="store_true", help="Create invitations without emailing them.")

    def handle(self, *args, file, dry_run, no_email, **options):
        try:
            with open(file, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        report = importing.run(data, dry_run=dry_run, send_mail=not no_email)
        if not report.ok:
            lines = "\n".join(f"  line {line}: {message}" for line, message in sorted(report.errors))
            raise CommandError(f"Nothing was imported; {len(report.errors)} bad line(s):\n{lines}")
        prefix = "[dry run] would create" if dry_run else "Created"
        self.stdout.write(f"{prefix} {len(report.organisations_created)} organisation(s) and "
                          f"{len(report.invitations_created)} invitation(s); "
                          f"skipped {len(report.skipped)} line(s).")
        for name in report.organisations_created:
            self.stdout.write(f"  organisation: {name}")
        for email in report.invitations_created:
            self.stdout.write(f"  invitation: {email}")
        for line, reason in report.skipped:
            self.stdout.write(f"  line {line} skipped: {reason}")
