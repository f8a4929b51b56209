from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import health


def home(request):
    """Members land on the categories; everyone else on the welcome page with the login."""
    if request.user.is_authenticated or settings.FORUM_PUBLIC_READING:
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
