import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.utils import translation


@pytest.mark.django_db
def test_forbidden_page_shows_the_translated_reason(member):
    from django.views.defaults import permission_denied

    request = RequestFactory().get("/")
    request.user = member
    with translation.override("en"):
        response = permission_denied(request, PermissionDenied("Observers cannot browse member profiles."))
    assert response.status_code == 403
    assert b"Observers cannot browse member profiles." in response.content
    assert b'dir="ltr"' in response.content


@pytest.mark.django_db
def test_unknown_page_is_a_404_in_the_site_layout(member_client):
    response = member_client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"This page does not exist" in response.content


def _lang_and_dir(response) -> tuple[str, str]:
    import re

    match = re.search(r'<html lang="([^"]*)" dir="([^"]*)"', response.content.decode())
    assert match, response.content[:200]
    return match.group(1), match.group(2)


@pytest.mark.django_db
@pytest.mark.urls("tests.core.error_urls")
@pytest.mark.parametrize(("accept", "lang", "direction", "text"), [
    ("fr", "fr", "ltr", "Une erreur s'est produite"),
    ("ar", "ar", "rtl", "حدث خطأ ما"),
    ("en", "en", "ltr", "Something went wrong"),
])
def test_server_error_page_speaks_the_requests_language(accept, lang, direction, text):
    from django.test import Client

    translation.activate("ar" if accept != "ar" else "en")  # a previous request's leftover language
    response = Client(raise_request_exception=False).get("/explode/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 500
    assert _lang_and_dir(response) == (lang, direction)
    assert text in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls("tests.core.error_urls")
def test_server_error_page_uses_the_members_saved_language(make_user):
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(make_user(preferred_language="fr"))
    response = client.get("/explode/", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 500
    assert _lang_and_dir(response) == ("fr", "ltr")


@pytest.mark.django_db
@pytest.mark.urls("tests.core.error_urls")
def test_server_error_before_any_middleware_ran_still_renders_in_the_browsers_language(settings):
    from django.test import Client

    settings.MIDDLEWARE = ["tests.core.error_urls.ExplodeEarlyMiddleware", *settings.MIDDLEWARE]
    translation.activate("ar")
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.get("/explode-early/", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 500
    assert _lang_and_dir(response) == ("fr", "ltr")
    assert "Une erreur s'est produite" in response.content.decode()


def test_server_error_page_with_a_bare_request_falls_back_to_the_default_language(settings):
    from forum.core.views import server_error

    translation.activate("fr")
    request = RequestFactory().get("/")
    request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
    request.COOKIES = {settings.LANGUAGE_COOKIE_NAME: "xx-not-a-language"}
    response = server_error(request)
    assert response.status_code == 500
    assert _lang_and_dir(response) == (settings.LANGUAGE_CODE, "ltr")
