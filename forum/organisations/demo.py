"""The demo data set: organisations and one account of every role, and `seed_accounts` that writes them.

Shared by `seed_demo` (forum/live/management/commands/seed_demo.py, which seeds every app's
demo data from the top of the layers) and `demo_logins`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from forum.accounts.models import Restriction, User
from forum.accounts.names import display_name_key

from . import services
from .models import Membership, Organisation
from .permissions import open_invitations

DEMO_PASSWORD = "madaniya-demo"
DEMO_DOMAIN = "madaniya.example"  # .example is reserved: these addresses can never receive mail


@dataclass(frozen=True)
class DemoOrganisation:
    slug: str
    name: str
    name_ar: str
    city: str
    country: str
    description: str
    website: str = ""
    verified: bool = True


@dataclass(frozen=True)
class DemoUser:
    key: str            # local part of the email
    display_name: str
    role: str           # admin, moderator, representative, member, observer
    organisation: str = ""  # slug, for members and representatives
    note: str = ""
    language: str = ""
    observer_days: int | None = None  # observers: access ends this many days from now (negative: ended)
    suspended: bool = False

    @property
    def email(self) -> str:
        return f"{self.key}@{DEMO_DOMAIN}"


ORGANISATIONS = [
    DemoOrganisation("lamsa-civic-forum", "Lamsa Civic Forum", "منتدى لمسة المدني", "Aleppo", "Syria",
                     "A forum of neighbourhood committees working on local governance and public services.",
                     "https://lamsa.example"),
    DemoOrganisation("جمعية-بناء-للتنمية", "جمعية بناء للتنمية", "جمعية بناء للتنمية", "حمص", "سوريا",
                     "تعمل الجمعية على مشاريع التعليم والتدريب المهني للشباب."),
    DemoOrganisation("reseau-jasmin", "Réseau Jasmin pour les droits", "شبكة الياسمين للحقوق", "Paris", "France",
                     "Réseau d'associations de la diaspora pour la documentation et les droits humains."),
    DemoOrganisation("dawn-youth-initiative", "Dawn Youth Initiative", "مبادرة فجر الشباب", "Idlib", "Syria",
                     "Youth volunteers running education and psychosocial support programmes.", verified=False),
    DemoOrganisation("مركز-الحوار-المدني", "مركز الحوار المدني", "مركز الحوار المدني", "دمشق", "سوريا",
                     "مساحة للحوار بين منظمات المجتمع المدني حول العدالة الانتقالية."),
    DemoOrganisation("olive-tree-relief", "Olive Tree Relief", "إغاثة شجرة الزيتون", "Gaziantep", "Türkiye",
                     "Cross-border humanitarian relief and livelihoods.", "https://olive-tree.example"),
]

USERS = [
    DemoUser("admin", "Admin Madaniya", "admin", note="privileged: enrol MFA on first privileged action"),
    DemoUser("moderator", "سلمى المشرفة", "moderator", note="privileged: enrol MFA on first privileged action",
             language="ar"),
    DemoUser("rep-lamsa", "Karim Haddad", "representative", "lamsa-civic-forum",
             note="privileged: enrol MFA before inviting"),
    DemoUser("rep-bina", "ريم العلي", "representative", "جمعية-بناء-للتنمية",
             note="privileged: enrol MFA before inviting", language="ar"),
    DemoUser("member-lamsa", "Nour Aziz", "member", "lamsa-civic-forum"),
    DemoUser("member-bina", "عمر الشامي", "member", "جمعية-بناء-للتنمية", language="ar"),
    DemoUser("member-jasmin", "Léa Khoury", "member", "reseau-jasmin", language="fr"),
    DemoUser("member-dawn", "يوسف فجر", "member", "dawn-youth-initiative", language="ar"),
    DemoUser("member-olive", "Maya Salem", "member", "olive-tree-relief", language="en"),
    DemoUser("observer", "Envoy Observer", "observer", note="access ends in 30 days", observer_days=30),
    DemoUser("observer-expired", "Former Observer", "observer", note="access ended yesterday", observer_days=-1),
    DemoUser("suspended", "حساب موقوف", "member", "مركز-الحوار-المدني", note="suspended: cannot sign in to act",
             suspended=True),
]

# An open invitation, so the signup-by-invitation flow can be tried (demo_logins prints its link).
INVITED_EMAIL = f"invited@{DEMO_DOMAIN}"
INVITED_ORGANISATION = "lamsa-civic-forum"
INVITED_BY = "rep-lamsa"


@dataclass
class DemoAccounts:
    organisations: dict  # slug -> Organisation
    users: dict          # DemoUser.key -> User


@transaction.atomic
def seed_accounts() -> DemoAccounts:
    """Create (or refresh) the demo organisations, accounts and open invitation. Idempotent.

    Every demo account gets the public `DEMO_PASSWORD`: callers refuse to run on a real site."""
    organisations = _seed_organisations()
    users = _seed_users(organisations)
    _seed_invitation(organisations, users)
    return DemoAccounts(organisations=organisations, users=users)


def _seed_organisations() -> dict:
    result = {}
    for spec in ORGANISATIONS:
        organisation, _created = Organisation.objects.update_or_create(
            slug=spec.slug,
            defaults={"name": spec.name, "name_ar": spec.name_ar, "city": spec.city, "country": spec.country,
                      "description": spec.description, "website": spec.website, "verified": spec.verified,
                      "active": True},
        )
        result[spec.slug] = organisation
    return result


def _seed_users(organisations) -> dict:
    now = timezone.now()
    result = {}
    for spec in USERS:
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
        user.set_password(DEMO_PASSWORD)
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


def _seed_invitation(organisations, users) -> None:
    email = INVITED_EMAIL
    if User.objects.filter(email__iexact=email).exists() or open_invitations().filter(email=email).exists():
        return
    services._invitation_save(inviter=users[INVITED_BY], email=email,
                              organisation=organisations[INVITED_ORGANISATION], role="member",
                              access_ends_at=None, language="", name="Invited Guest", send_mail=False)
