"""Login by email, mandatory verification, rate limits, no account enumeration, reset, logout,
email and password changes behind re-authentication: allauth as configured."""

from __future__ import annotations

import re

from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from .conftest import PASSWORD, reauthenticate, sign_in

WRONG_CREDENTIALS = "The email address and/or password you specified are not correct."


def test_member_signs_in_with_email_and_password(client, make_user):
    user = make_user(email="amina@example.org")
    response = sign_in(client, "amina@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sign_in_ignores_email_case(client, make_user):
    user = make_user(email="amina@example.org")
    sign_in(client, "AMINA@Example.org")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_unverified_email_cannot_sign_in_and_gets_a_verification_mail(client, make_user):
    make_user(email="new@example.org", verified=False)
    response = sign_in(client, "new@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1
    assert "new@example.org" in mail.outbox[0].to


def test_wrong_password_and_unknown_address_get_the_same_answer(client, make_user):
    make_user(email="known@example.org")
    known = sign_in(client, "known@example.org", "not-the-password")
    unknown = sign_in(client, "nobody@example.org", "not-the-password")
    assert known.status_code == unknown.status_code == 200
    assert WRONG_CREDENTIALS in known.content.decode()
    assert WRONG_CREDENTIALS in unknown.content.decode()
    assert known.context["form"].errors == unknown.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_a_burst_of_failed_logins_is_refused_even_with_the_right_password(client, make_user):
    make_user(email="target@example.org")
    for _ in range(5):
        response = sign_in(client, "target@example.org", "guess-guess-guess")
        assert WRONG_CREDENTIALS in response.content.decode()
    response = sign_in(client, "target@example.org", PASSWORD)
    assert response.status_code == 200
    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client, make_user):
    make_user(email="known@example.org")
    known = client.post(reverse("account_reset_password"), {"email": "known@example.org"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("account_reset_password_done")
    # Both addresses get a mail; only the account holder's carries a reset link.
    assert sorted(m.to[0] for m in mail.outbox) == ["known@example.org", "nobody@example.org"]
    by_to = {m.to[0]: m.body for m in mail.outbox}
    assert "/accounts/password/reset/key/" in by_to["known@example.org"]
    assert "/accounts/password/reset/key/" not in by_to["nobody@example.org"]


def test_password_reset_link_sets_a_new_password(client, make_user):
    user = make_user(email="reset@example.org")
    client.post(reverse("account_reset_password"), {"email": "reset@example.org"})
    link = re.search(r"http://[^/]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(link)
    assert response.status_code == 302  # allauth moves the key into the session
    form_url = response["Location"]
    response = client.post(form_url, {"password1": "a-brand-new-secret-42", "password2": "a-brand-new-secret-42"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-secret-42")
    assert not user.check_password(PASSWORD)


def test_sign_out_ends_the_session(client, make_user):
    make_user(email="bye@example.org")
    sign_in(client, "bye@example.org")
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change_needs_the_current_password(client, make_user):
    user = make_user(email="pw@example.org")
    sign_in(client, "pw@example.org")
    response = client.post(reverse("account_change_password"), {
        "oldpassword": "wrong-current-password", "password1": "another-good-secret-7",
        "password2": "another-good-secret-7"})
    assert response.status_code == 200
    assert "Please type your current password." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    response = client.post(reverse("account_change_password"), {
        "oldpassword": PASSWORD, "password1": "another-good-secret-7", "password2": "another-good-secret-7"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-good-secret-7")


def test_adding_an_email_needs_reauthentication(client, make_user):
    user = make_user(email="old@example.org")
    client.force_login(user)  # a session with no recent password entry
    response = client.post(reverse("account_email"), {"action_add": "", "email": "new@example.org"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="new@example.org").exists()

    # After the password, allauth replays the suspended request: the address is added.
    response = reauthenticate(client, next_url=reverse("account_email"))
    assert response.status_code == 302
    added = EmailAddress.objects.get(email="new@example.org")
    assert added.user == user and not added.verified
    assert any("new@example.org" in m.to for m in mail.outbox)


def test_reauthentication_with_a_wrong_password_is_refused(client, make_user):
    user = make_user(email="re@example.org")
    client.force_login(user)
    response = reauthenticate(client, password="not-it-at-all")
    assert response.status_code == 200
    assert "Incorrect password." in response.content.decode()


def test_login_page_renders_in_our_layout_with_labels(client):
    response = client.get(reverse("account_login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="site-header"' in html
    assert '<label for="id_login"' in html and '<label for="id_password"' in html
    assert "<script>" not in html  # CSP: no inline scripts
    assert "/static/mfa/js/webauthn.js" in html  # the passkey button's script reaches our layout
    assert reverse("account_signup") not in html  # accounts come by invitation


def test_signup_is_closed_to_the_public(client):
    response = client.get(reverse("account_signup"))
    assert "site-header" in response.content.decode()
    assert not response.context.get("form")


def test_rate_limits_are_on_and_have_a_real_cache(settings):
    """allauth counts attempts in the cache: a dummy cache (or no limits) would let every burst through."""
    from allauth.account import app_settings

    assert "DummyCache" not in settings.CACHES["default"]["BACKEND"]
    limits = app_settings.RATE_LIMITS
    for action in ("login", "login_failed", "signup", "reset_password", "reset_password_from_key",
                   "reauthenticate", "change_password", "manage_email", "confirm_email"):
        assert limits.get(action), f"no rate limit for {action}"


def test_a_burst_of_password_resets_is_refused_alike_for_known_and_unknown_addresses(client, make_user):
    make_user(email="known@example.org")
    answers = {}
    for email in ("known@example.org", "nobody@example.org"):
        for _ in range(5):
            response = client.post(reverse("account_reset_password"), {"email": email})
            assert response.status_code == 302
        answers[email] = client.post(reverse("account_reset_password"), {"email": email})
    assert len(mail.outbox) == 10  # the refused requests send nothing
    known, unknown = answers["known@example.org"], answers["nobody@example.org"]
    assert known.status_code == unknown.status_code == 429
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert csrf.sub("", known.content.decode()) == csrf.sub("", unknown.content.decode())
    html = known.content.decode()
    assert 'class="site-header"' in html  # our translated page, not allauth's bare English one
    assert "You have tried this too many times in a short while." in html


def test_the_too_many_requests_page_is_translated(client, make_user):
    from django.utils import translation

    for _ in range(5):
        client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"},
                           HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 429
    html = response.content.decode()
    assert 'lang="ar" dir="rtl"' in html
    with translation.override("ar"):
        assert translation.gettext("Too many requests") in html
