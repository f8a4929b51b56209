"""Words of Django's admin and of allauth that our catalogues translate again.

Our `locale/` comes first in Django's search, so an entry there replaces the library's own. These
are the ones that read wrong in our pages and admin (issue #10): allauth's Arabic calls MFA
"وزارة الخارجية" (the Ministry of Foreign Affairs), says "يولد" for the Generate button, "أضف رابط"
("add a link") labels the admin's column of add links, and so on. Marked here with gettext_noop so
that `make messages` (makemessages --no-obsolete) keeps them in the catalogues.
`tests/core/test_third_party_strings.py` renders the Arabic and French admin and MFA pages.
"""

from django.utils.translation import gettext_noop

OVERRIDDEN = (
    # allauth: app names in the admin, the MFA and session pages
    gettext_noop("MFA"),
    gettext_noop("User Sessions"),
    gettext_noop("Two-Factor Authentication"),
    gettext_noop("Security Keys"),
    gettext_noop("No security keys have been added."),
    gettext_noop("No recovery codes set up."),
    gettext_noop("Generate"),
    gettext_noop("Enter your password:"),
    gettext_noop("Use authenticator app or code"),
    gettext_noop("Re-send Verification"),
    gettext_noop("Started At"),
    gettext_noop("Sessions"),
    # Django's admin: the hidden headers of the index's model tables
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
)
