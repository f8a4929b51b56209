"""An invited person opens the link from the email, signs up with the address fixed, and is signed
in; the same link opened again is refused — in a real Chromium against daphne."""

from __future__ import annotations

import pytest

from forum.accounts.models import User
from forum.organisations import services
from forum.organisations.models import Membership
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_invited_person_signs_up_from_the_link_and_can_sign_in_again(live_server, new_page, make_user,
                                                                     make_organisation):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    organisation = make_organisation(name="Réseau Jasmin", name_ar="شبكة الياسمين", slug="jasmin")
    representative = make_user(role="representative", organisation=organisation, email="rep@example.org")
    TOTP.activate(representative, generate_totp_secret())
    invitation = services.invitation_create(actor=representative, email="rana@example.org",
                                            organisation=organisation, role="member", name="Rana")
    path = services.invitation_link(invitation).split("://", 1)[1].split("/", 1)[1]

    page = new_page()
    page.goto(f"/{path}")
    page.wait_for_url("**/accounts/signup/")
    email = page.locator("input[name=email]")
    assert email.input_value() == "rana@example.org"
    assert email.get_attribute("readonly") is not None
    assert "Réseau Jasmin" in page.locator("main").inner_text()

    assert not email.is_editable()  # read-only: the address is the invitation's
    page.fill("input[name=display_name]", "رنا الحلبي")
    page.fill("input[name=password1]", "a-long-enough-passphrase")
    page.fill("input[name=password2]", "a-long-enough-passphrase")
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state("networkidle")

    user = User.objects.get(email="rana@example.org")
    assert user.display_name == "رنا الحلبي"
    assert Membership.objects.get(user=user).organisation == organisation
    assert user.emailaddress_set.get().verified
    # Signed in straight away: the header offers sign-out and the organisation page opens.
    assert page.locator("form[action='/accounts/logout/']").count() == 1
    page.goto(f"/organisations/{organisation.slug}/")
    assert "رنا الحلبي" in page.locator("main").inner_text()
    assert page.outside_requests == []

    # The link works once.
    other = new_page()
    response = other.goto(f"/{path}")
    assert response.status == 410
    assert "already been used" in other.locator("main").inner_text()

    # And the new member signs in with the password they chose.
    login(other, email="rana@example.org", password="a-long-enough-passphrase")
    assert other.locator("form[action='/accounts/logout/']").count() == 1


def test_a_damaged_link_is_refused_in_the_browser(live_server, new_page, make_user, make_organisation):
    organisation = make_organisation(name="Lamsa", slug="lamsa")
    admin = make_user(role="admin")
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(admin, generate_totp_secret())
    invitation = services.invitation_create(actor=admin, email="x@example.org", organisation=organisation,
                                            role="member")
    token = services.invitation_token(invitation)
    damaged = token[:-2] + ("xx" if not token.endswith("xx") else "yy")
    page = new_page()
    response = page.goto(f"/organisations/invitation/{damaged}/")
    assert response.status == 400
    assert "damaged or incomplete" in page.locator("main").inner_text()
    assert not User.objects.filter(email="x@example.org").exists()
