"""The demo data set: organisations and one account of every role, shared by seed_demo and demo_logins."""

from __future__ import annotations

from dataclasses import dataclass

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

# Seeded only when no `seed_demo_content` command (discussions) exists to do it better.
CATEGORIES = [
    ("general", "General discussion — نقاش عام", "Questions and news for everyone."),
    ("transitional-justice", "العدالة الانتقالية", "Documentation, accountability and reparations."),
    ("humanitarian", "Humanitarian coordination", "Needs, access and coordination between organisations."),
]
