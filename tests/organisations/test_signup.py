"""Signup by invitation only: the signed link, the fixed email, redemption, and every bad link."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from forum.accounts.models import User
from forum.organisations import services
from forum.organisations.models import Invitation, JoinRequest, Membership

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-passphrase"


def link(invitation) -> str:
    return reverse("organisations:invitation_accept", kwargs={"token": services.invitation_token(invitation)})


def signup(client, email, display_name="Nour Aziz", password=PASSWORD):
    return client.post(reverse("account_signup"), {"display_name": display_name, "email": email,
                                                   "password1": password, "password2": password})


def test_invited_person_signs_up_and_is_signed_in(client, make_invitation, organisation):
    invitation = make_invitation(email="nour@example.org", organisation=organisation, role="representative",
                                 name="Nour", language="fr")
    response = client.get(link(invitation))
    assert response.status_code == 302 and response.url == reverse("account_signup")

    page = client.get(reverse("account_signup"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="nour@example.org"' in html and "readonly" in html
    assert 'value="Nour"' in html  # the inviter's name for them pre-fills the form

    response = signup(client, "nour@example.org", display_name="نور عزيز")
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="nour@example.org")
    assert user.display_name == "نور عزيز" and user.role == "member" and user.preferred_language == "fr"
    assert Membership.objects.get(user=user).kind == "representative"
    assert EmailAddress.objects.get(user=user).verified  # the invitation proved the address
    invitation.refresh_from_db()
    assert invitation.used_by == user
    assert int(client.session["_auth_user_id"]) == user.pk  # signed in, no confirmation email needed
    assert services.SESSION_KEY not in client.session


def test_replaying_a_used_link_gives_410_and_creates_nothing(client, make_invitation, organisation):
    invitation = make_invitation(email="nour@example.org", organisation=organisation)
    client.get(link(invitation))
    signup(client, "nour@example.org")
    client.logout()
    response = client.get(link(invitation))
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    # and the signup form stays closed
    response = signup(client, "nour@example.org", display_name="Other")
    assert User.objects.count() == 1


def test_a_link_with_a_changed_character_gives_400(client, make_invitation, organisation):
    invitation = make_invitation(organisation=organisation)
    token = services.invitation_token(invitation)
    position = len(token) // 3
    changed = token[:position] + ("a" if token[position] != "a" else "b") + token[position + 1:]
    response = client.get(reverse("organisations:invitation_accept", kwargs={"token": changed}))
    assert response.status_code == 400
    assert "damaged or incomplete" in response.content.decode()
    assert services.SESSION_KEY not in client.session


@pytest.mark.parametrize("state, words", [("expired", "has expired"), ("revoked", "was withdrawn")])
def test_expired_and_revoked_links_give_410(client, make_invitation, organisation, state, words):
    invitation = make_invitation(organisation=organisation, state=state)
    response = client.get(link(invitation))
    assert response.status_code == 410 and words in response.content.decode()
    assert client.get(reverse("account_signup")).status_code == 200  # the "closed" page
    assert "by invitation" in client.get(reverse("account_signup")).content.decode()
    assert User.objects.count() == 0


def test_signup_without_an_invitation_is_closed(client):
    response = client.get(reverse("account_signup"))
    assert "Joining is by invitation" in response.content.decode()
    signup(client, "stranger@example.org")
    assert not User.objects.exists()


def test_signup_without_an_invitation_leads_to_the_join_request_when_enabled(client, settings):
    settings.FORUM_ALLOW_JOIN_REQUESTS = True
    response = client.get(reverse("account_signup"))
    assert response.status_code == 302 and response.url == reverse("organisations:join_request")
    signup(client, "stranger@example.org")
    assert not User.objects.exists()


def test_the_email_cannot_be_changed(client, make_invitation, organisation):
    invitation = make_invitation(email="nour@example.org", organisation=organisation)
    client.get(link(invitation))
    response = signup(client, "someone-else@example.org")
    assert response.status_code == 200
    assert "Your invitation is for nour@example.org" in response.content.decode()
    assert not User.objects.exists()


def test_invitation_revoked_while_the_form_is_open_creates_nothing(client, make_invitation, organisation):
    invitation = make_invitation(email="nour@example.org", organisation=organisation)
    client.get(link(invitation))
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    signup(client, "nour@example.org")
    assert not User.objects.exists()


def test_a_taken_display_name_is_refused(client, make_invitation, organisation, make_user):
    make_user(display_name="Nour Aziz")
    invitation = make_invitation(email="nour@example.org", organisation=organisation)
    client.get(link(invitation))
    response = signup(client, "nour@example.org", display_name="NOUR  aziz")
    assert "Someone already uses this name" in response.content.decode()
    assert not User.objects.filter(email="nour@example.org").exists()


def test_a_display_name_with_direction_overrides_is_refused(client, make_invitation, organisation):
    invitation = make_invitation(email="nour@example.org", organisation=organisation)
    client.get(link(invitation))
    response = signup(client, "nour@example.org", display_name="\u202eNour")
    assert "invisible or text-direction" in response.content.decode()
    assert not User.objects.exists()


def test_observer_redemption_gives_observer_role_and_access_end(client, make_invitation):
    ends = timezone.now() + timedelta(days=30)
    invitation = make_invitation(email="envoy@example.org", role="observer", access_ends_at=ends)
    client.get(link(invitation))
    signup(client, "envoy@example.org", display_name="Envoy")
    user = User.objects.get(email="envoy@example.org")
    assert user.role == "observer" and user.access_ends_at == ends
    assert not Membership.objects.filter(user=user).exists()


def test_signed_in_visitor_is_asked_to_sign_out(member_client, make_invitation, organisation):
    invitation = make_invitation(organisation=organisation)
    response = member_client.get(link(invitation))
    assert response.status_code == 409 and "Sign out first" in response.content.decode()


def test_join_request_form(client, settings):
    settings.FORUM_ALLOW_JOIN_REQUESTS = True
    url = reverse("organisations:join_request")
    assert client.get(url).status_code == 200
    response = client.post(url, {"email": "bad", "display_name": "Rana"})
    assert response.status_code == 400 and not JoinRequest.objects.exists()
    response = client.post(url, {"email": "rana@example.org", "display_name": "رنا", "organisation_name": "Lamsa",
                                 "message": "Hello"})
    assert response.status_code == 302
    assert JoinRequest.objects.get().display_name == "رنا"


def test_join_request_form_is_closed_by_default(client):
    response = client.get(reverse("organisations:join_request"))
    assert response.status_code == 404 and "Requests to join are closed" in response.content.decode()


def test_join_requests_are_rate_limited_per_connection(client, settings):
    settings.FORUM_ALLOW_JOIN_REQUESTS = True
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "join_request": "3/m"}
    url = reverse("organisations:join_request")
    for n in range(3):
        assert client.post(url, {"email": f"p{n}@example.org", "display_name": f"P {n}"}).status_code == 302
    response = client.post(url, {"email": "p9@example.org", "display_name": "P 9"})
    assert response.status_code == 429 and "Too many requests" in response.content.decode()
    assert JoinRequest.objects.count() == 3


def test_observer_invitation_whose_access_already_ended_is_refused(client, make_invitation):
    invitation = make_invitation(email="late@example.org", role="observer",
                                 access_ends_at=timezone.now() - timedelta(hours=1))
    response = client.get(link(invitation))
    assert response.status_code == 410 and "observer access this invitation offered" in response.content.decode()
    signup(client, "late@example.org", display_name="Late")
    assert not User.objects.exists()


# --- No account enumeration through signup or the request to join ---------------------------------

def test_join_request_answers_alike_for_members_and_strangers(client, settings, make_user):
    settings.FORUM_ALLOW_JOIN_REQUESTS = True
    make_user(email="member@example.org")
    url = reverse("organisations:join_request")
    known = client.post(url, {"email": "member@example.org", "display_name": "Someone"})
    unknown = client.post(url, {"email": "stranger@example.org", "display_name": "Someone Else"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("organisations:join_request_sent")
    assert list(JoinRequest.objects.values_list("email", flat=True)) == ["stranger@example.org"]


def test_join_request_with_a_bad_name_is_refused_alike_for_members_and_strangers(client, settings, make_user):
    settings.FORUM_ALLOW_JOIN_REQUESTS = True
    make_user(email="member@example.org")
    url = reverse("organisations:join_request")
    known = client.post(url, {"email": "member@example.org", "display_name": "\u202eX"})
    unknown = client.post(url, {"email": "stranger@example.org", "display_name": "\u202eX"})
    assert known.status_code == unknown.status_code == 400
    assert known.context["form"].errors == unknown.context["form"].errors
    assert not JoinRequest.objects.exists()


def test_signup_for_an_address_that_already_has_an_account_creates_nothing_and_looks_the_same(
        client, make_invitation, organisation, make_user):
    """An invitation whose address got an account meanwhile: allauth's enumeration guard answers with
    the "check your email" page and tells the account holder by mail; no second account appears."""
    from django.core import mail

    existing = make_user(email="nour@example.org", display_name="Nour Old")
    invitation = make_invitation(email="nour@example.org", organisation=organisation)
    client.get(link(invitation))
    response = signup(client, "nour@example.org", display_name="Nour New")
    assert response.status_code == 302 and response.url == reverse("account_email_verification_sent")
    assert [m.to for m in mail.outbox] == [["nour@example.org"]]
    assert User.objects.filter(email__iexact="nour@example.org").count() == 1
    assert not User.objects.filter(display_name="Nour New").exists()
    assert "_auth_user_id" not in client.session
    existing.refresh_from_db()
    assert existing.display_name == "Nour Old"
    invitation.refresh_from_db()
    assert invitation.used_at is None


BAD_SIGNUP_NAMES = {
    "zero-width space": ("Nour\u200bAziz", "invisible or text-direction"),
    "right-to-left override": ("\u202eNour", "invisible or text-direction"),
    "ten thousand characters": ("ن" * 10_000, "at most 200 characters"),
    "NUL": ("Nour\x00Aziz", "Null characters are not allowed."),
    "only a joiner": ("\u200d", "invisible or text-direction"),
}


@pytest.mark.parametrize("case", list(BAD_SIGNUP_NAMES))
def test_bad_display_names_at_signup_are_refused_and_nothing_is_saved(client, make_invitation, organisation,
                                                                      case):
    value, message = BAD_SIGNUP_NAMES[case]
    invitation = make_invitation(email="nour@example.org", organisation=organisation)
    client.get(link(invitation))
    response = signup(client, "nour@example.org", display_name=value)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()
    invitation.refresh_from_db()
    assert invitation.used_at is None


def test_closed_signup_answers_alike_for_members_and_strangers(client, make_user):
    make_user(email="member@example.org")
    known = signup(client, "member@example.org")
    unknown = signup(client, "stranger@example.org")
    assert known.status_code == unknown.status_code == 200
    assert "Joining is by invitation" in known.content.decode()
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert csrf.sub("", known.content.decode()) == csrf.sub("", unknown.content.decode())
    assert User.objects.count() == 1


@pytest.mark.parametrize("token", ["x", "a" * 5000, "eyJrIjoiMSJ9:forged", "%00", "..%2F..%2Fadmin"])
def test_garbage_invitation_links_give_400_and_create_nothing(client, token):
    response = client.get(f"/organisations/invitation/{token}/")
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "damaged or incomplete" in response.content.decode()
    assert services.SESSION_KEY not in client.session
    assert not User.objects.exists()


def test_a_link_signed_for_another_purpose_is_refused(client, make_invitation, organisation):
    from django.core import signing

    invitation = make_invitation(organisation=organisation)
    token = signing.Signer(salt="another-purpose").sign_object({"k": invitation.key})
    response = client.get(reverse("organisations:invitation_accept", kwargs={"token": token}))
    assert response.status_code == 400 and services.SESSION_KEY not in client.session


def test_an_expired_link_is_explained_in_arabic(client, make_invitation, organisation):
    from django.utils import translation

    invitation = make_invitation(organisation=organisation, state="expired")
    response = client.get(link(invitation), HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 410
    with translation.override("ar"):
        reason = translation.gettext("This invitation has expired. Ask the person who invited you for a new one.")
    assert reason != "This invitation has expired. Ask the person who invited you for a new one."
    assert reason in response.content.decode()
    assert not User.objects.exists()


def test_an_invitation_into_an_organisation_deactivated_since_is_refused(client, make_invitation, organisation):
    invitation = make_invitation(email="nour@example.org", organisation=organisation)
    client.get(link(invitation))  # the form is open...
    organisation.active = False  # ...when the organisation is deactivated
    organisation.save()
    signup(client, "nour@example.org")
    assert not User.objects.exists() and not Membership.objects.exists()
    client.logout()
    response = client.get(link(invitation))
    assert response.status_code == 410 and "no longer active" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.used_at is None


def test_join_request_refuses_an_organisation_name_with_a_bidi_override(client, settings):
    settings.FORUM_ALLOW_JOIN_REQUESTS = True
    response = client.post(reverse("organisations:join_request"), {
        "email": "rana@example.org", "display_name": "Rana", "organisation_name": "Lamsa \u202easmaL"})
    assert response.status_code == 400 and "invisible or text-direction" in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_a_session_sending_the_form_after_another_used_the_invitation_sees_the_used_page(make_invitation,
                                                                                      organisation):
    from django.test import Client

    invitation = make_invitation(email="nour@example.org", organisation=organisation)
    first, second = Client(), Client()
    first.get(link(invitation))
    second.get(link(invitation))
    assert signup(first, "nour@example.org").status_code == 302
    for response in (second.get(reverse("account_signup")), signup(second, "nour@example.org", "Nour 2")):
        assert response.status_code == 410
        assert "already been used" in response.content.decode()
    assert User.objects.filter(email="nour@example.org").count() == 1


def test_a_join_request_while_the_cache_is_down_is_a_translated_503_that_keeps_the_form(client, settings):
    settings.FORUM_ALLOW_JOIN_REQUESTS = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
                                   "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    response = client.post(reverse("organisations:join_request"),
                           {"email": "rana@example.org", "display_name": "رنا"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 503
    page = response.content.decode()
    assert "momentanément indisponible" in page and "rana@example.org" in page
    assert JoinRequest.objects.count() == 0
