"""manage.py import_members FILE.csv [--dry-run] [--no-email]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

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
            raise CommandError(_("Cannot read %(file)s: %(reason)s") % {"file": file, "reason": exc.strerror}) from None
        report = importing.run(data, dry_run=dry_run, send_mail=not no_email)
        if not report.ok:
            lines = "\n".join("  " + _("line %(line)d: %(message)s") % {"line": line, "message": message}
                              for line, message in sorted(report.errors))
            raise CommandError(_("Nothing was imported; %(count)d bad line(s):") % {"count": len(report.errors)}
                               + "\n" + lines)
        counts = {"organisations": len(report.organisations_created),
                  "invitations": len(report.invitations_created), "skipped": len(report.skipped)}
        if dry_run:
            summary = _("[dry run] would create %(organisations)d organisation(s) and %(invitations)d "
                        "invitation(s); skipped %(skipped)d line(s).")
        else:
            summary = _("Created %(organisations)d organisation(s) and %(invitations)d invitation(s); "
                        "skipped %(skipped)d line(s).")
        self.stdout.write(summary % counts)
        for name in report.organisations_created:
            self.stdout.write("  " + _("organisation: %(name)s") % {"name": name})
        for email in report.invitations_created:
            self.stdout.write("  " + _("invitation: %(email)s") % {"email": email})
        for line, reason in report.skipped:
            self.stdout.write("  " + _("line %(line)d skipped: %(reason)s") % {"line": line, "reason": reason})
