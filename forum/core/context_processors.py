from django.conf import settings
from django.utils.translation import gettext_lazy as _

from forum.core import conf


def site(request):
    """Values every page needs: the site name (in the page's language and script), the languages of
    the switcher, and whether people without an invitation may ask to join (landing and login pages)."""
    return {
        "SITE_NAME": _("Madaniya"),
        "SITE_LANGUAGES": settings.LANGUAGES,
        "JOIN_REQUESTS_OPEN": conf.FORUM_ALLOW_JOIN_REQUESTS,
    }
