"""manage.py demo_logins: the demo accounts, their roles and the shared password, the invitation link
to try signing up, and the demo live session's address. In the live app (the top of the layers with
demo data) because it prints the live session too."""

from __future__ import annotations

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
        rows = [("EMAIL", "ROLE", "ORGANISATION", "PASSWORD", "NOTES")]
        for spec in demo.USERS:
            if spec.email.lower() not in present:
                continue
            rows.append((spec.email, spec.role, spec.organisation or "-", demo.DEMO_PASSWORD, spec.note or ""))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for row in rows:
            cells = [row[i].ljust(widths[i]) for i in range(4)] + [row[4]]
            self.stdout.write("  ".join(cells).rstrip())
        self.stdout.write("")
        self.stdout.write(_("Admins, moderators and representatives have no second factor yet: the first time "
                            "they open a privileged page (administration, inviting, moderating) they are asked "
                            "to set up an authenticator app or security key."))
        session = live_demo.demo_session()
        if session is not None:
            self.stdout.write("")
            self.stdout.write(_("The demo live session (open now, for all members):"))
            self.stdout.write(f"  {live_demo.session_url(session)}")
        # Last: the invitation link is the output's last line (tests and scripts take it from there).
        invitation = open_invitations().filter(email=demo.INVITED_EMAIL).first()
        if invitation is not None:
            self.stdout.write("")
            self.stdout.write(_("To try signing up by invitation (%(email)s), open (signed out):")
                              % {"email": invitation.email})
            self.stdout.write(f"  {services.invitation_link(invitation)}")
