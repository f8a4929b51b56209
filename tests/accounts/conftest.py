"""Helpers of the accounts tests: a real sign-in through allauth, TOTP codes, reauthentication."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from allauth.mfa.totp.internal.auth import yield_hotp_counters_from_time as _counters
from django.urls import reverse

PASSWORD = "correct-horse-battery"


def totp_code(secret: str, offset: int = 0) -> str:
    """The code an authenticator app shows now (offset in periods). Waits out the last second of a
    period so the server checks the code in the same period."""
    if time.time() % 30 > 28.5:
        time.sleep(30 - time.time() % 30 + 0.05)
    counters = list(_counters())
    current = counters[len(counters) // 2]
    return format_hotp_value(hotp_value(secret, current + offset))


@pytest.fixture
def enrol_totp():
    """enrol_totp(user) -> secret: activates TOTP for the user through allauth's own class."""

    def enrol(user) -> str:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        return secret

    return enrol


def sign_in(client, email: str, password: str = PASSWORD, **extra):
    """POST the allauth login form; return the response (not followed)."""
    return client.post(reverse("account_login"), {"login": email, "password": password, **extra})


def reauthenticate(client, password: str = PASSWORD, next_url: str | None = None):
    data = {"password": password}
    url = reverse("account_reauthenticate")
    if next_url:
        url = f"{url}?next={next_url}"
        data["next"] = next_url
    return client.post(url, data)
