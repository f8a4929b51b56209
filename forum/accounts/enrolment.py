"""Sending a privileged user to enrol a second factor, and bringing them back afterwards.

allauth 65's MFA views ignore `next`: activating TOTP lands on the recovery codes (first factor)
or on the MFA index, adding a security key on the index. So the page that sends someone to enrol
links to `mfa_index?next=<where they were>`; `PrivilegedMFAMiddleware` keeps that address in the
session while a second factor is missing (`remember_return`), and once one is enrolled the next
visit to the MFA index goes back there (`take_return`). The recovery codes page offers the way
back too (`return_pending`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from . import permissions

SESSION_KEY = "forum_mfa_return"


def _safe(request, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return None


def enrol_url(next_url: str | None = None) -> str:
    """The MFA page, with the address to come back to once a second factor is enrolled."""
    url = reverse("mfa_index")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def return_address(request) -> str | None:
    """Where to come back to: the page itself, or for a form sent from a page, that page (the
    Referer is checked against this site when it is used, in `remember_return`)."""
    if request.method == "GET":
        return request.get_full_path()
    return request.headers.get("Referer")


def enrol_url_for(request) -> str:
    """`enrol_url` coming back to the page this request came from."""
    return enrol_url(return_address(request))


def remember_return(request) -> None:
    """Keep `?next=` of an MFA page (same site only) for after enrolment, while MFA is missing."""
    url = _safe(request, request.GET.get("next"))
    if url and not permissions.has_mfa(request.user):
        request.session[SESSION_KEY] = url


def return_pending(request) -> bool:
    """Whether an enrolled user still has a page to go back to."""
    return bool(request.session.get(SESSION_KEY)) and permissions.has_mfa(request.user)


def take_return(request) -> str | None:
    """The address to go back to once a second factor is enrolled (forgotten once taken)."""
    if not return_pending(request):
        return None
    return _safe(request, request.session.pop(SESSION_KEY, None))
