"""The socket origin check compares whole origins (scheme, host, port) with the site's own."""

from __future__ import annotations

import pytest

from forum.core.realtime_origin import normalise_origin, origin_allowed


def _scope(origin=None, host="localhost", scheme="ws", extra=()):
    headers = [(b"host", host.encode())] if host else []
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return {"type": "websocket", "scheme": scheme, "headers": [*headers, *extra]}


@pytest.mark.parametrize(("value", "expected"), [
    ("http://Example.org", "http://example.org"),
    ("https://example.org:443", "https://example.org"),
    ("http://example.org:8080/", "http://example.org:8080"),
    ("http://[::1]:8000", "http://[::1]:8000"),
    ("null", None), ("ftp://example.org", None), ("http://example.org:99999", None),
    ("http://example.org/path", None), ("http://a@example.org", None), ("", None),
])
def test_origins_are_normalised_or_refused(value, expected):
    assert normalise_origin(value) == expected


def test_the_origin_must_match_the_request_scheme_host_and_port():
    assert origin_allowed(_scope("http://localhost"))
    assert not origin_allowed(_scope("http://localhost:1234"))
    assert not origin_allowed(_scope("https://localhost"))
    assert origin_allowed(_scope("https://localhost", scheme="wss"))
    assert not origin_allowed(_scope("http://localhost", scheme="wss"))
    assert not origin_allowed(_scope(None))
    assert not origin_allowed(_scope("http://localhost", host=None))


def test_a_host_outside_allowed_hosts_gives_no_own_origin(settings):
    settings.ALLOWED_HOSTS = ["forum.example"]
    assert not origin_allowed(_scope("http://evil.example", host="evil.example"))
    assert origin_allowed(_scope("http://forum.example", host="forum.example"))


def test_behind_a_tls_proxy_the_forwarded_scheme_counts_only_when_trusted(settings):
    forwarded = ((b"x-forwarded-proto", b"https"),)
    settings.SECURE_PROXY_SSL_HEADER = None
    assert not origin_allowed(_scope("https://localhost", extra=forwarded))
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert origin_allowed(_scope("https://localhost", extra=forwarded))
    assert not origin_allowed(_scope("http://localhost", extra=forwarded))


def test_the_configured_site_url_and_trusted_origins_are_the_sites_own(settings):
    settings.FORUM_SITE_URL = "https://forum.example/"
    settings.CSRF_TRUSTED_ORIGINS = ["https://alt.example:8443", "https://*.wild.example"]
    assert origin_allowed(_scope("https://forum.example"))
    assert origin_allowed(_scope("https://alt.example:8443"))
    assert not origin_allowed(_scope("https://alt.example"))
    assert not origin_allowed(_scope("https://x.wild.example"))  # no wildcards for sockets
