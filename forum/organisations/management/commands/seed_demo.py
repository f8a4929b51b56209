"""manage.py seed_demo [--force]: demo organisations and one account of every role. Idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.accounts.models import ObserverGrant, Restriction, User
from forum.accounts.names import display_name_key
from forum.organisations import demo, services
from forum.organisations.models import Membership, Organisation
from forum.organisations.permissions import open_invitations


class Command(BaseCommand):
    help = "Create (or refresh) the demo organisations and accounts. Refuses to run with DEBUG off unless --force."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="Run even with DEBUG off (never on a real site: the password is public).")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(_("DEBUG is off: this looks like a real site. The demo accounts share a public "
                                 "password. Use --force only on a throwaway deployment."))
        with transaction.atomic():
            organisations = self.seed_organisations()
            users = self.seed_users(organisations)
            self.seed_invitation(organisations, users)
        if "seed_demo_content" in get_commands():
            call_command("seed_demo_content", stdout=self.stdout, stderr=self.stderr)
        else:
            self.seed_categories()
        self.grant_observers(users)
        self.stdout.write(self.style.SUCCESS(
            _("Demo data ready: %(organisations)d organisations, %(accounts)d accounts (password “%(password)s”). "
              "Run `manage.py demo_logins` for the list.")
            % {"organisations": len(organisations), "accounts": len(users), "password": demo.DEMO_PASSWORD}))

    def seed_organisations(self) -> dict[str, Organisation]:
        result = {}
        for spec in demo.ORGANISATIONS:
            organisation, _created = Organisation.objects.update_or_create(
                slug=spec.slug,
                defaults={"name": spec.name, "name_ar": spec.name_ar, "city": spec.city, "country": spec.country,
                          "description": spec.description, "website": spec.website, "verified": spec.verified,
                          "active": True},
            )
            result[spec.slug] = organisation
        return result

    def seed_users(self, organisations) -> dict[str, User]:
        from allauth.account.models import EmailAddress

        now = timezone.now()
        result = {}
        for spec in demo.USERS:
            site_role = "member" if spec.role == "representative" else spec.role
            user = User.objects.filter(email__iexact=spec.email).first() or User(email=spec.email)
            user.display_name = spec.display_name
            user.display_name_key = display_name_key(spec.display_name)
            user.role = site_role
            user.preferred_language = spec.language
            user.is_staff = user.is_superuser = spec.role == "admin"
            user.is_active = True
            user.deleted_at = None
            user.access_ends_at = (now + timedelta(days=spec.observer_days)
                                   if spec.observer_days is not None else None)
            user.set_password(demo.DEMO_PASSWORD)
            user.save()
            EmailAddress.objects.update_or_create(
                user=user, email=spec.email, defaults={"verified": True, "primary": True})
            if spec.organisation:
                Membership.objects.update_or_create(
                    user=user, defaults={"organisation": organisations[spec.organisation],
                                         "kind": "representative" if spec.role == "representative" else "member"})
            else:
                Membership.objects.filter(user=user).delete()
            suspensions = Restriction.objects.filter(user=user, kind="suspension", scope="site",
                                                     lifted_at__isnull=True)
            if spec.suspended and not suspensions.exists():
                Restriction.objects.create(user=user, kind="suspension", scope="site",
                                           reason="Demo: a suspended member.")
            elif not spec.suspended:
                suspensions.update(lifted_at=now)
            result[spec.key] = user
        return result

    def seed_invitation(self, organisations, users) -> None:
        email = demo.INVITED_EMAIL
        if User.objects.filter(email__iexact=email).exists() or open_invitations().filter(email=email).exists():
            return
        services._invitation_save(inviter=users[demo.INVITED_BY], email=email,
                                  organisation=organisations[demo.INVITED_ORGANISATION], role="member",
                                  access_ends_at=None, language="", name="Invited Guest", send_mail=False)

    def seed_categories(self) -> None:
        # Looked up by label, not imported: categories sit above organisations in the layers.
        Category = apps.get_model("categories", "Category")
        for position, (slug, name, description) in enumerate(demo.CATEGORIES):
            Category.objects.get_or_create(slug=slug, defaults={"name": name, "description": description,
                                                                "position": position})

    def grant_observers(self, users) -> None:
        Category = apps.get_model("categories", "Category")
        first = Category.objects.order_by("position", "pk").first()
        if first is None:
            return
        for key in ("observer", "observer-expired"):
            ObserverGrant.objects.get_or_create(user=users[key], scope="category", object_id=first.pk)
