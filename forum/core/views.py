import logging

from django.conf import settings
from django.http import HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from forum.core import conf, requestid

from . import health

logger = logging.getLogger(__name__)


def home(request):
    """Members land on the categories; everyone else on the welcome page with the login."""
    if request.user.is_authenticated or conf.FORUM_PUBLIC_READING:
        return redirect("categories:index")
    return render(request, "core/home.html")


@never_cache
@require_GET
def healthz(request):
    ok, detail = health.run_checks()
    return JsonResponse({"status": "ok" if ok else "error", "checks": detail}, status=200 if ok else 503)


@require_POST
def set_language(request):
    """The language switcher: remember the choice in a cookie, and on the profile when signed in."""
    codes = {code for code, _name in settings.LANGUAGES}
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in codes:
        return response
    if request.user.is_authenticated and request.user.preferred_language != language:
        request.user.preferred_language = language
        request.user.save(update_fields=["preferred_language"])
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
    )
    return response


def _error_language(request) -> str:
    """The language of the request that failed, without trusting that the request got far.

    `request.LANGUAGE_CODE` is set once LocaleMiddleware (and the member's saved language) ran; an
    error raised before them leaves only the cookie and Accept-Language, and a request too broken
    for those gets the site's default. The thread's active language is not used: it may be a
    previous request's.
    """
    supported = {code for code, _name in settings.LANGUAGES}
    language = getattr(request, "LANGUAGE_CODE", None)
    if language in supported:
        return language
    try:
        language = translation.get_language_from_request(request)
    except Exception:  # the error page must not fail in its turn
        language = None
    return language if language in supported else settings.LANGUAGE_CODE


def server_error(request):
    """handler500: the error page in the request's language and direction; never raises itself.

    Rendered with a bare context like Django's own: no context processors, since the database or
    the session may be what failed.
    """
    try:
        with translation.override(_error_language(request)):
            return HttpResponseServerError(loader.get_template("500.html").render(
                {"request_id": getattr(request, "request_id", "") or requestid.current()}))
    except Exception:
        logger.exception("The 500 page could not be rendered")
        return HttpResponseServerError("<!DOCTYPE html><title>500</title><h1>500</h1>", content_type="text/html")
