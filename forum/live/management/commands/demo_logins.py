"""manage.py demo_logins: where the site is and where its email goes, the demo accounts, their roles
and the shared password, the demo live session's address and the invitation link to try signing up —
briefly: `make run` prints it once the server listens, as the last thing on the screen. Links come
from FORUM_SITE_URL, which `make run` derives from the HOST and PORT it serves. In the live app (the
top of the layers with demo data) because it prints the live session too."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from forum.accounts.models import User
from forum.organisations import demo, services
from forum.organisations.permissions import open_invitations

from ... import demo as live_demo


class Command(BaseCommand):
    help = "Print the demo accounts created by seed_demo (email, role, password, notes)."

    def handle(self, *args, **options):
        present = {e.lower() for e in User.objects.filter(email__in=[u.email for u in demo.USERS])
                   .values_list("email", flat=True)}
        if not present:
            self.stdout.write(_("No demo accounts yet. Run `manage.py seed_demo` first."))
            return
        self.stdout.write(_("Madaniya is at %(url)s") % {"url": services.absolute_url("/")})
        self.stdout.write(_mail_line())
        self.stdout.write("")
        self.stdout.write(_("Demo accounts (password for all: %(password)s):") % {"password": demo.DEMO_PASSWORD})
        rows = [("EMAIL", "ROLE", "ORGANISATION", "NOTES")]
        for spec in demo.USERS:
            if spec.email.lower() not in present:
                continue
            rows.append((spec.email, spec.role, spec.organisation or "-", spec.note or ""))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        for row in rows:
            cells = [row[i].ljust(widths[i]) for i in range(3)] + [row[3]]
            self.stdout.write(("  " + "  ".join(cells)).rstrip())
        self.stdout.write(_("Privileged accounts set up an authenticator app or security key the first time "
                            "they open a privileged page."))
        session = live_demo.demo_session()
        if session is not None:
            self.stdout.write(_("Live session (open now): %(url)s") % {"url": live_demo.session_url(session)})
        # Last: the invitation link is the output's last line (tests and scripts take it from there).
        invitation = open_invitations().filter(email=demo.INVITED_EMAIL).first()
        if invitation is not None:
            self.stdout.write(_("To try signing up by invitation (%(email)s), open (signed out):")
                              % {"email": invitation.email})
            self.stdout.write(f"  {services.invitation_link(invitation)}")


def _mail_line() -> str:
    """Where the demo's email goes: a folder (`make run` sets one), the console, or a mail server."""
    backend = settings.EMAIL_BACKEND
    if backend.endswith("filebased.EmailBackend"):
        return _("Emails (invitations, notifications) are written to %(path)s, one file per sending.") % {
            "path": settings.EMAIL_FILE_PATH}
    if backend.endswith("console.EmailBackend"):
        return _("Emails (invitations, notifications) are printed here, in the server's output.")
    return _("Emails (invitations, notifications) are sent through %(backend)s.") % {"backend": backend}
