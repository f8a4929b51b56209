"""Failed sign-ins are throttled without letting a guesser lock the owner out (docs/accounts.md).

Each client below is one source address (REMOTE_ADDR; in production daphne's --proxy-headers
sets it from the proxy's X-Forwarded-For).
"""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from .conftest import PASSWORD, sign_in, totp_code

TOO_MANY = "Too many failed login attempts. Try again later."
WRONG = "The email address and/or password you specified are not correct."


def _from(ip: str) -> Client:
    return Client(REMOTE_ADDR=ip)


def _fail(client, email, times):
    for _ in range(times):
        response = sign_in(client, email, "guess-guess-guess")
        assert WRONG in response.content.decode()


def test_an_attackers_failures_from_one_ip_do_not_lock_the_owner_out_elsewhere(make_user):
    owner = make_user(email="target@example.org")
    attacker = _from("203.0.113.7")
    _fail(attacker, "target@example.org", 5)
    assert TOO_MANY in sign_in(attacker, "target@example.org", "guess-again-guess").content.decode()

    home = _from("198.51.100.20")
    response = sign_in(home, "target@example.org", PASSWORD)
    assert response.status_code == 302
    assert home.session["_auth_user_id"] == str(owner.pk)


def test_repeated_failures_from_one_ip_are_still_refused_even_with_the_right_password(make_user):
    make_user(email="target@example.org")
    attacker = _from("203.0.113.7")
    _fail(attacker, "target@example.org", 5)
    response = sign_in(attacker, "target@example.org", PASSWORD)
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in attacker.session


def test_one_ip_spraying_many_addresses_is_slowed_down(make_user):
    sprayer = _from("203.0.113.7")
    for n in range(10):
        _fail(sprayer, f"someone{n}@example.org", 1)
    assert TOO_MANY in sign_in(sprayer, "someone-else@example.org", "guess-guess-guess").content.decode()


def test_a_guess_spread_over_many_ips_meets_a_higher_ceiling_per_address(make_user, settings):
    assert settings.FORUM_RATE_LIMITS["login_failures_per_address"] == "20/5m,200/d"
    make_user(email="target@example.org")
    for n in range(4):  # 4 sources x 5 failures: each source's own limit, not yet the ceiling
        _fail(_from(f"203.0.113.{n + 1}"), "target@example.org", 5)
    fresh = _from("203.0.113.99")
    wrong = sign_in(fresh, "target@example.org", "guess-guess-guess")
    right = sign_in(fresh, "target@example.org", PASSWORD)
    # Full: the same answer whether the password was right or not (no oracle), and no session.
    assert TOO_MANY in wrong.content.decode() and TOO_MANY in right.content.decode()
    assert "_auth_user_id" not in fresh.session
    # Another address is not affected.
    make_user(email="other@example.org")
    assert sign_in(_from("203.0.113.99"), "other@example.org", PASSWORD).status_code == 302


def test_at_the_ceiling_a_right_password_with_a_second_factor_still_gets_in(make_user, enrol_totp, settings):
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "login_failures_per_address": "6/5m"}
    owner = make_user(email="target@example.org")
    secret = enrol_totp(owner)
    _fail(_from("203.0.113.1"), "target@example.org", 3)
    _fail(_from("203.0.113.2"), "target@example.org", 3)
    attacker = _from("203.0.113.3")
    assert TOO_MANY in sign_in(attacker, "target@example.org", "guess-guess-guess").content.decode()

    home = _from("198.51.100.20")
    response = sign_in(home, "target@example.org", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    response = home.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert home.session["_auth_user_id"] == str(owner.pk)


def test_a_members_own_successful_sign_ins_never_fill_the_buckets(make_user):
    owner = make_user(email="often@example.org")
    client = _from("198.51.100.20")
    for _ in range(12):
        assert sign_in(client, "often@example.org", PASSWORD).status_code == 302
        client.logout()
    sign_in(client, "often@example.org", PASSWORD)
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_a_password_reset_lifts_the_ceiling_for_its_owner(make_user):
    owner = make_user(email="target@example.org")
    for n in range(4):
        _fail(_from(f"203.0.113.{n + 1}"), "target@example.org", 5)
    home = _from("198.51.100.20")
    assert TOO_MANY in sign_in(home, "target@example.org", PASSWORD).content.decode()

    home.post(reverse("account_reset_password"), {"email": "target@example.org"})
    link = re.search(r"http://[^/]+(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body).group(1)
    form_url = home.get(link)["Location"]
    home.post(form_url, {"password1": "a-brand-new-secret-42", "password2": "a-brand-new-secret-42"})
    home.logout()
    response = sign_in(home, "target@example.org", "a-brand-new-secret-42")
    assert response.status_code == 302
    assert home.session["_auth_user_id"] == str(owner.pk)
