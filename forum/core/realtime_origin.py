"""The WebSocket origin check: a socket is opened only from a page of this very site.

Channels' `AllowedHostsOriginValidator` compares the origin's host name with `ALLOWED_HOSTS`, so any
scheme and port of an allowed host passed (`http://host:1234`, a different service on the same
machine). Here the whole origin (scheme, host, port) must equal the site's own: the origin the
socket request itself was made to (its `Host` header, when that host is allowed, with `https` when
the socket is `wss` or a trusted proxy says so), `FORUM_SITE_URL`, or one of `CSRF_TRUSTED_ORIGINS`
(exact origins; Django's own list of origins trusted for unsafe requests).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

from forum.core import conf

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(value: str) -> str | None:
    """`scheme://host[:port]` in lower case without a default port, or None when it is no origin."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/") or parts.query \
            or parts.username is not None or parts.password is not None:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _request_is_secure(scope) -> bool:
    if scope.get("scheme") in ("wss", "https"):
        return True
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        name, expected = proxy
        header = name.lower().removeprefix("http_").replace("_", "-").encode("latin-1")
        value = _header(scope, header)
        return value is not None and value.split(",", 1)[0].strip() == expected
    return False


def site_origins(scope) -> set[str]:
    """Every origin this socket request may come from."""
    origins = set()
    host = _header(scope, b"host")
    if host:
        domain, _port = split_domain_port(host)
        if domain and validate_host(domain, settings.ALLOWED_HOSTS):
            own = normalise_origin(f"{'https' if _request_is_secure(scope) else 'http'}://{host}")
            if own:
                origins.add(own)
    for configured in (conf.FORUM_SITE_URL or "", *getattr(settings, "CSRF_TRUSTED_ORIGINS", [])):
        if configured and "*" not in configured:
            origin = normalise_origin(configured)
            if origin:
                origins.add(origin)
    return origins


def origin_allowed(scope) -> bool:
    origin = _header(scope, b"origin")
    if origin is None:
        return False
    normalised = normalise_origin(origin)
    return normalised is not None and normalised in site_origins(scope)


class SiteOriginValidator:
    """ASGI middleware: refuse (before any consumer runs) a socket whose origin is not the site's own."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
