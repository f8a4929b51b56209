"""The scripts' words (locale/*/LC_MESSAGES/djangojs.po) for static/js/i18n.js, in a form a browser
keeps: `/jsi18n/<language>/<version>.js`, where the version is a digest of the catalogue itself, so
the file can be cached for a year and a deploy that changes a word changes the address.

Django's JavaScriptCatalog at `/jsi18n/` answers in the reader's language at one address, so no
cache may keep it, and a thread page (drafts.js, the editor, the mention suggestions) fetched it on
every visit: 25 KB in Arabic, where its JSON wrote every letter as a six-byte `\\uXXXX` escape. Here
the JSON is written as UTF-8 without indentation (the Arabic catalogue 25.4 → 9 KB raw). The
catalogue is built once per process and language: it changes only with the deployed .mo files.
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.views.i18n import JavaScriptCatalog

PACKAGES = ["forum.core"]
CONTENT_TYPE = 'text/javascript; charset="utf-8"'


class CompactCatalog(JavaScriptCatalog):
    """Django's catalogue script, its JSON as UTF-8 without indentation."""

    packages = PACKAGES

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        body = response.content.decode()
        # Django's JSON (its own dumps, indented and ASCII-escaped) replaced by the compact one;
        # should a later Django write it otherwise, its text stays as it is: larger, still right.
        for value in (context["catalog"], context["formats"]):
            if value:
                indented = json.dumps(value, sort_keys=True, indent=2).replace("\n", "\n  ")
                body = body.replace(indented, json.dumps(value, sort_keys=True, ensure_ascii=False,
                                                         separators=(",", ":")), 1)
        return HttpResponse(body.encode(), content_type=CONTENT_TYPE)


@functools.cache
def built(language: str) -> tuple[bytes, str]:
    """(the catalogue script, its version) for a language of the site; once per process."""
    with translation.override(language):
        body = CompactCatalog().get(None).content
    return body, hashlib.sha256(body).hexdigest()[:12]


def url_for(language: str) -> str:
    """The catalogue's cacheable address for a language of the site (the default's for any other)."""
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    return reverse("javascript_catalogue", kwargs={"language": language, "version": built(language)[1]})


def catalogue(request, language: str, version: str):
    """The catalogue of `language`; cached for a year when `version` is the current one (a page from
    before a deploy asking for the old version gets the current words, not kept)."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    body, current = built(language)
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "public, max-age=31536000, immutable" if version == current else "no-cache"
    return response
