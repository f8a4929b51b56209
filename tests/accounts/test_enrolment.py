"""A privileged user sent to enrol a second factor comes back to the page that sent them."""

import pytest
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.urls import reverse

from forum.accounts.enrolment import enrol_url

from .conftest import reauthenticate, sign_in, totp_code

pytestmark = pytest.mark.urls("tests.accounts.urls")

BACK = "Go back to where you were"


def _activate_totp(client) -> None:
    reauthenticate(client)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302


def test_a_privileged_page_sends_to_enrolment_with_the_way_back(client, make_user):
    client.force_login(make_user(role="moderator"))
    response = client.get("/test-privileged/?tab=2")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index") + "?next=%2Ftest-privileged%2F%3Ftab%3D2"


def test_enrolling_totp_brings_the_moderator_back_where_they_were(client, make_user):
    make_user(email="back@example.org", role="moderator")
    sign_in(client, "back@example.org")
    assert client.get(enrol_url("/test-privileged/?tab=2")).status_code == 200
    _activate_totp(client)
    # allauth shows the new recovery codes first; the page offers the way back ...
    codes_page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert BACK in codes_page and f'href="{reverse("mfa_index")}"' in codes_page
    # ... which the MFA index follows once, then forgets.
    response = client.get(reverse("mfa_index"))
    assert response.status_code == 302 and response["Location"] == "/test-privileged/?tab=2"
    assert client.get("/test-privileged/?tab=2").content == b"privileged ok"
    assert client.get(reverse("mfa_index")).status_code == 200
    assert BACK not in client.get(reverse("mfa_view_recovery_codes")).content.decode()


@pytest.mark.parametrize("outside", ["https://evil.example/", "//evil.example/t/1/", "javascript:alert(1)"])
def test_an_address_outside_the_site_is_never_a_way_back(client, make_user, outside):
    make_user(email="away@example.org", role="moderator")
    sign_in(client, "away@example.org")
    client.get(enrol_url(outside))
    _activate_totp(client)
    assert BACK not in client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert client.get(reverse("mfa_index")).status_code == 200


def test_someone_already_enrolled_is_not_sent_anywhere_by_next(client, make_user, enrol_totp):
    moderator = make_user(role="moderator")
    enrol_totp(moderator)
    client.force_login(moderator)
    assert client.get(enrol_url("/test-privileged/")).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200
