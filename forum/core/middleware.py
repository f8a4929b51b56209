from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in member's saved language wins over the browser's; the switcher saves it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        user = getattr(request, "user", None)
        preferred = getattr(user, "preferred_language", "") if user is not None and user.is_authenticated else ""
        if preferred in self.supported:
            translation.activate(preferred)
            request.LANGUAGE_CODE = preferred
        return self.get_response(request)
