from django.conf import settings
from django.utils import translation

from forum.core import conf


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


class RejectInvalidUTF8Middleware:
    """Refuse a form or query whose text is not valid UTF-8, instead of saving "�" in its place.

    Django decodes form data leniently (invalid bytes become U+FFFD), so a broken or hostile
    client would store garbled text. URL-encoded bodies and query strings are checked strictly
    here; multipart bodies carry files and are left to the form fields.
    """

    FORM_TYPES = ("application/x-www-form-urlencoded", "")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._is_valid(request):
            from django.shortcuts import render
            from django.utils.translation import gettext as _

            return render(request, "400.html", {
                "reason": _("This request contains text that is not valid UTF-8; nothing was saved. "
                            "Please check your browser's text encoding and try again."),
            }, status=400)
        return self.get_response(request)

    def _is_valid(self, request) -> bool:
        from urllib.parse import unquote_to_bytes

        raw_query = request.META.get("QUERY_STRING", "")
        if not self._valid_urlencoded(raw_query.encode("latin-1", "replace"), unquote_to_bytes):
            return False
        content_type = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        if request.method in ("POST", "PUT", "PATCH") and content_type in self.FORM_TYPES:
            try:
                body = request.body
            except Exception:  # too large etc.: Django's own checks answer that
                return True
            return self._valid_urlencoded(body, unquote_to_bytes)
        return True

    @staticmethod
    def _valid_urlencoded(data: bytes, unquote_to_bytes) -> bool:
        for pair in data.replace(b";", b"&").split(b"&"):
            for part in pair.split(b"=", 1):
                try:
                    unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
                except UnicodeDecodeError:
                    return False
        return True


class URLTooLongMiddleware:
    """Answer an address longer than FORUM_MAX_URL_CHARS (8 KB) with 414 and the translated page.

    Nothing the site links to comes near it; longer ones are typing accidents or probes. Above 16 KB
    daphne (forum.core.server) and nginx answer 414 themselves, before any language is known.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = int(conf.FORUM_MAX_URL_CHARS)
        raw_query = request.META.get("QUERY_STRING", "")
        if len(request.path) + len(raw_query) + 1 > limit:
            from django.shortcuts import render

            return render(request, "414.html", {"limit": limit}, status=414)
        return self.get_response(request)
