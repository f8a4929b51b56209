"""The scripts' words at a cacheable address per language (forum/core/catalogue.py)."""

import json
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.views.i18n import JavaScriptCatalog

from forum.core import catalogue


def _json_after(body: str, start: str):
    """The JSON value that follows `start` in the catalogue script."""
    at = body.index(start) + len(start)
    value, _end = json.JSONDecoder().raw_decode(body[at:])
    return value


@pytest.mark.parametrize(("language", "word"), [("ar", "استعادة المسودة"), ("fr", "Restaurer le brouillon")])
def test_a_page_names_the_catalogue_of_its_language_which_is_kept_for_a_year(client, language, word):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=language)
    [url] = re.findall(r'<body class="[^"]*" data-catalogue="([^"]+)"', response.content.decode())
    assert re.fullmatch(rf"/jsi18n/{language}/[0-9a-f]{{12}}\.js", url)
    script = Client().get(url)  # no cookie, no Accept-Language: the address alone says the language
    assert script.status_code == 200 and script["Content-Type"].startswith("text/javascript")
    assert script["Cache-Control"] == "public, max-age=31536000, immutable"
    body = script.content.decode()
    assert _json_after(body, "const newcatalog = ")["Restore draft"] == word


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_the_compact_catalogue_says_what_djangos_says_in_fewer_bytes(rf, language):
    with translation.override(language):
        django_body = JavaScriptCatalog.as_view(packages=catalogue.PACKAGES)(rf.get("/")).content.decode()
    body, _version = catalogue.built(language)
    body = body.decode()
    for start in ("const newcatalog = ", "django.formats = "):
        if start in django_body:
            assert _json_after(body, start) == _json_after(django_body, start)
    assert "\\u06" not in body and "\\u00e9" not in body  # letters as UTF-8, not escapes
    # Arabic letters were six bytes each as escapes, two as UTF-8: the Arabic catalogue halves.
    assert len(body.encode()) < (0.6 if language == "ar" else 0.95) * len(django_body.encode())


def test_an_old_version_gets_the_current_words_not_kept_and_an_unknown_language_nothing(client):
    body, version = catalogue.built("ar")
    old = client.get("/jsi18n/ar/000000000000.js")
    assert old.status_code == 200 and old.content == body and old["Cache-Control"] == "no-cache"
    assert client.get(f"/jsi18n/xx/{version}.js").status_code == 404
    assert client.get(f"/jsi18n/ar/{version}.js").content == body


def test_the_version_is_a_digest_of_the_words():
    import hashlib

    body, version = catalogue.built("fr")
    assert version == hashlib.sha256(body).hexdigest()[:12]
    assert len({catalogue.built(language)[1] for language in ("ar", "fr", "en")}) == 3
    assert catalogue.url_for("de") == catalogue.url_for(settings.LANGUAGE_CODE)  # any other: the default
