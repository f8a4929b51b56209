from django.conf import settings


def site(request):
    """Values every page needs: the site name and the languages of the switcher."""
    return {"SITE_NAME": "Madaniya", "SITE_LANGUAGES": settings.LANGUAGES}
