"""manage.py seed_demo [--force]: the demo site. Idempotent.

Each app seeds its own demo data, and this command, in the highest app that has some, runs them in
order: organisations and one account of every role (`forum.organisations.demo.seed_accounts`), then
categories, threads and replies (`seed_demo_content`), then the observers' grant to the first
category, then one open live session for all members with a few messages and questions
(`forum.live.demo.seed_live`), then one consultation with two organisations' positions
(`seed_demo_consultations`, forum.consultations). An app above this one that adds demo data moves this command up with it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from forum.accounts.models import ObserverGrant
from forum.categories.models import Category
from forum.organisations import demo

from ... import demo as live_demo


class Command(BaseCommand):
    help = "Create (or refresh) the demo organisations and accounts. Refuses to run with DEBUG off unless --force."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="Run even with DEBUG off (never on a real site: the password is public).")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(_("DEBUG is off: this looks like a real site. The demo accounts share a public "
                                 "password. Use --force only on a throwaway deployment."))
        accounts = demo.seed_accounts()
        call_command("seed_demo_content", stdout=self.stdout, stderr=self.stderr)
        self.grant_observers(accounts.users)
        session = live_demo.seed_live(accounts.users)
        # The demo poll (forum.polls, beside this app in the layers, so called by name, not imported).
        call_command("seed_demo_polls", force=True, stdout=self.stdout, stderr=self.stderr)
        # The consultations app sits above this one: its demo comes by the command's name.
        call_command("seed_demo_consultations", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(self.style.SUCCESS(
            _("Demo data ready: %(organisations)d organisations, %(accounts)d accounts (password “%(password)s”). "
              "Run `manage.py demo_logins` for the list.")
            % {"organisations": len(accounts.organisations), "accounts": len(accounts.users),
               "password": demo.DEMO_PASSWORD}))
        self.stdout.write(_("Live session open now: %(url)s") % {"url": live_demo.session_url(session)})

    def grant_observers(self, users) -> None:
        """The demo observers read (and reply in) the first category."""
        first = Category.objects.order_by("position", "pk").first()
        if first is None:
            return
        for key in ("observer", "observer-expired"):
            ObserverGrant.objects.get_or_create(user=users[key], scope="category", object_id=first.pk)
