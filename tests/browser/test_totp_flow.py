"""TOTP enrolment and login with a code (and the same with a security key), in a real Chromium
against daphne: an administrator without a second factor is sent from the admin to enrol, enrols
with an authenticator app, then signs in again with password and code."""

from __future__ import annotations

import re

import pytest

from tests.accounts.conftest import totp_code
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_totp_enrolment_and_login_with_a_code(live_server, new_page, make_user):
    from allauth.mfa.models import Authenticator

    admin = make_user(role="admin", email="admin@example.org", display_name="Nour Admin")
    page = new_page()
    login(page, email=admin.email)

    # The admin is a privileged page: without a second factor, the admin is sent to enrol.
    page.goto("/admin/")
    assert page.url.endswith("/accounts/2fa/?next=%2Fadmin%2F")  # and back there once enrolled
    assert "Set up two-factor authentication first." in page.locator(".messages").inner_text()

    page.get_by_role("link", name="Activate").click()
    # Signing in is not re-authenticating: the password is asked for before a factor is added.
    page.fill("input[name=password]", "correct-horse-battery")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
    assert page.locator("img.totp-qr").is_visible()
    assert page.get_by_label("Authenticator secret").is_visible()
    secret = page.locator("#authenticator_secret").input_value()

    page.fill("input[name=code]", "000000" if totp_code(secret) != "000000" else "111111")
    page.get_by_role("button", name="Activate").click()
    assert "Incorrect code." in page.content()
    page.fill("input[name=code]", totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    assert Authenticator.objects.filter(user=admin, type="totp").exists()

    page.get_by_role("link", name="Go back to where you were").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    assert page.locator("#site-name").is_visible()

    # Sign out, then in again: the password alone is not enough, the code is asked for.
    page.goto("/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("networkidle")
    login(page, email=admin.email)
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    assert page.get_by_label("Code").is_visible()
    page.fill("input[name=code]", totp_code(secret))
    page.locator("form:has(input[name=code]) [type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    assert "/accounts/2fa/authenticate/" not in page.url
    page.goto("/me/settings/")
    assert page.locator("h1").inner_text().strip() == "Account settings"
    assert page.outside_requests == []


def test_security_key_enrolment_and_login_under_our_csp(live_server, browser, make_user):
    """The same for a security key, with Chromium's virtual authenticator: allauth's WebAuthn
    scripts must run under our CSP (no inline script) in our layout. WebAuthn refuses IP
    addresses as relying party, so this test talks to the server as `localhost`."""
    from allauth.mfa.models import Authenticator

    moderator = make_user(role="moderator", email="keys@example.org")
    base = f"http://localhost:{live_server.port}"
    context = browser.new_context(base_url=base, locale="en-GB")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        console_errors = []
        page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
            "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True}})

        login(page, email=moderator.email)
        page.goto("/accounts/2fa/webauthn/add/")
        page.fill("input[name=password]", "correct-horse-battery")
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_url(re.compile(r"/accounts/2fa/webauthn/add/"))
        page.fill("input[name=name]", "My key")
        page.locator("#mfa_webauthn_add").click()
        # Wait until the page has left the form (the form's own URL also contains "/webauthn/").
        page.wait_for_url(re.compile(r"^(?!.*/webauthn/add/).*/accounts/2fa/(recovery-codes|webauthn)/"))
        key = Authenticator.objects.get(user=moderator, type="webauthn")
        assert key.data["name"] == "My key"

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_load_state("networkidle")
        login(page, email=moderator.email)
        page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
        page.get_by_role("button", name="Use a security key").click()
        page.wait_for_url(re.compile(r"^(?!.*/accounts/2fa/authenticate/).*$"))
        page.goto("/me/settings/")
        assert page.locator("h1").inner_text().strip() == "Account settings"
        assert not [e for e in console_errors if "Content Security Policy" in e]
    finally:
        context.close()
