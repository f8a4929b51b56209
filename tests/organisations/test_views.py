"""Directory and organisation pages; inviting, revoking and removing from the page."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from forum.organisations.models import Invitation, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep_client(client, representative):
    client.force_login(representative)
    return client


def detail_url(organisation):
    return reverse("organisations:detail", kwargs={"slug": organisation.slug})


def test_directory_lists_organisations_for_members(member_client, organisation, make_organisation):
    make_organisation(name="Closed", active=False)
    response = member_client.get(reverse("organisations:index"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Lamsa Civic Forum" in html and "منتدى لمسة المدني" in html and "Closed" not in html


def test_directory_and_pages_are_closed_to_observers(client, make_user, organisation):
    client.force_login(make_user(role="observer"))
    assert client.get(reverse("organisations:index")).status_code == 403
    assert client.get(detail_url(organisation)).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, organisation):
    response = client.get(reverse("organisations:index"))
    assert response.status_code == 302 and reverse("account_login") in response.url
    assert client.get(detail_url(organisation)).status_code == 302


def test_inactive_organisation_is_not_found_for_members(member_client, make_organisation):
    closed = make_organisation(name="Closed", active=False)
    assert member_client.get(detail_url(closed)).status_code == 404


def test_organisation_page_shows_facts_and_representatives_first(client, make_user, organisation):
    organisation.description = "Local governance."
    organisation.website = "https://lamsa.example"
    organisation.city, organisation.country, organisation.verified = "Aleppo", "Syria", True
    organisation.save()
    member = make_user(role="member", organisation=organisation, display_name="Aaron First")
    make_user(role="representative", organisation=organisation, display_name="Zeina Rep")
    client.force_login(member)
    html = client.get(detail_url(organisation)).content.decode()
    for text in ("Lamsa Civic Forum", "منتدى لمسة المدني", "Local governance.", "https://lamsa.example",
                 "Aleppo, Syria", "Verified"):
        assert text in html
    assert html.index("Zeina Rep") < html.index("Aaron First")
    assert "Invite someone" not in html and "Remove" not in html


def test_representative_invites_from_the_page(rep_client, organisation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = rep_client.post(reverse("organisations:invite", kwargs={"slug": organisation.slug}),
                                   {"email": "new@example.org", "role": "member", "language": "ar", "name": ""})
    assert response.status_code == 302
    assert Invitation.objects.get().email == "new@example.org"
    assert mail.outbox[0].to == ["new@example.org"]
    page = rep_client.get(detail_url(organisation)).content.decode()
    assert "new@example.org" in page and "Revoke the invitation" in page


@pytest.mark.parametrize("data, error", [
    ({"email": "not-an-email", "role": "member", "language": "en"}, "Enter a valid email address"),
    ({"email": "x@example.org", "role": "observer", "language": "en"}, "Select a valid choice"),
])
def test_bad_invitation_input_shows_errors_and_saves_nothing(rep_client, organisation, data, error):
    response = rep_client.post(reverse("organisations:invite", kwargs={"slug": organisation.slug}), data)
    assert response.status_code == 400 and error in response.content.decode()
    assert not Invitation.objects.exists()


def test_duplicate_invitation_from_the_page(rep_client, organisation, make_invitation):
    make_invitation(email="dup@example.org", organisation=organisation)
    response = rep_client.post(reverse("organisations:invite", kwargs={"slug": organisation.slug}),
                               {"email": "dup@example.org", "role": "member", "language": "en"})
    assert response.status_code == 400 and "already has an open invitation" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_seat_limit_from_the_page(rep_client, organisation):
    organisation.seat_limit = 1
    organisation.save()
    page = rep_client.get(detail_url(organisation)).content.decode()
    assert "used all of its 1 seats" in page
    response = rep_client.post(reverse("organisations:invite", kwargs={"slug": organisation.slug}),
                               {"email": "x@example.org", "role": "member", "language": "en"})
    assert response.status_code == 403 and "used all of its 1 seats" in response.content.decode()
    assert not Invitation.objects.exists()


def test_representative_cannot_invite_into_another_organisation(rep_client, make_organisation, make_user):
    other = make_organisation(name="Other")
    response = rep_client.post(reverse("organisations:invite", kwargs={"slug": other.slug}),
                               {"email": "x@example.org", "role": "member", "language": "en"})
    assert response.status_code == 403
    assert "Only this organisation&#x27;s representatives" in response.content.decode()
    assert not Invitation.objects.exists()


def test_member_cannot_invite(member_client, organisation):
    Membership.objects.filter(user=member_client.user).update(organisation=organisation)
    response = member_client.post(reverse("organisations:invite", kwargs={"slug": organisation.slug}),
                                  {"email": "x@example.org", "role": "member", "language": "en"})
    assert response.status_code == 403 and not Invitation.objects.exists()


def test_representative_revokes_from_the_page(rep_client, organisation, make_invitation):
    invitation = make_invitation(organisation=organisation)
    url = reverse("organisations:invitation_revoke", kwargs={"slug": organisation.slug,
                                                             "invitation_id": invitation.pk})
    assert rep_client.post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    response = rep_client.post(url)
    assert response.status_code == 403 and "no longer open" in response.content.decode()


def test_representative_removes_a_member_but_not_themselves(rep_client, representative, organisation, make_user):
    member = make_user(role="member", organisation=organisation)
    page = rep_client.get(detail_url(organisation)).content.decode()
    assert f"Remove <bdi>{member.display_name}</bdi>" in page
    assert f"Remove <bdi>{representative.display_name}</bdi>" not in page
    url = reverse("organisations:member_remove", kwargs={"slug": organisation.slug,
                                                         "membership_id": member.memberships.get().pk})
    assert rep_client.post(url).status_code == 302
    assert not Membership.objects.filter(user=member).exists()
    own = reverse("organisations:member_remove", kwargs={"slug": organisation.slug,
                                                         "membership_id": representative.memberships.get().pk})
    response = rep_client.post(own)
    assert response.status_code == 403 and "cannot remove yourself" in response.content.decode()
    assert Membership.objects.filter(user=representative).exists()


def test_a_member_refused_removal_gets_403_and_the_reason_not_a_redirect(member_client, organisation, make_user):
    """A refusal that answered 302 looked like success to scripts and to the HTTP matrix."""
    Membership.objects.filter(user=member_client.user).update(organisation=organisation)
    other = make_user(role="member", organisation=organisation)
    url = reverse("organisations:member_remove", kwargs={"slug": organisation.slug,
                                                         "membership_id": other.memberships.get().pk})
    response = member_client.post(url)
    assert response.status_code == 403
    assert "Only this organisation&#x27;s representatives can remove its members." in response.content.decode()
    assert Membership.objects.filter(user=other).exists()


def test_removal_needs_post_a_get_only_asks(rep_client, organisation, make_user):
    member = make_user(role="member", organisation=organisation)
    url = reverse("organisations:member_remove", kwargs={"slug": organisation.slug,
                                                         "membership_id": member.memberships.get().pk})
    assert rep_client.get(url).status_code == 200  # the confirmation page (tests/organisations/test_confirmations.py)
    assert rep_client.put(url).status_code == 405
    assert Membership.objects.filter(user=member).exists()


def count_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm the session and per-process caches
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_directory_query_count_is_constant(member_client, make_organisation, make_user,
                                           django_assert_num_queries):
    url = reverse("organisations:index")
    for _ in range(2):
        make_user(role="member", organisation=make_organisation())
    small = count_queries(member_client, url)
    for _ in range(15):
        make_user(role="member", organisation=make_organisation())
    with django_assert_num_queries(small):
        response = member_client.get(url)
    assert response.content.decode().count("organisation-card") == 18  # 17 + the member's own


def test_organisation_page_query_count_is_constant(rep_client, organisation, make_user, make_invitation,
                                                   django_assert_num_queries):
    url = detail_url(organisation)
    make_user(role="member", organisation=organisation)
    make_invitation(email="first@example.org", organisation=organisation)
    small = count_queries(rep_client, url)
    for n in range(12):
        make_user(role="member", organisation=organisation)
        make_invitation(email=f"i{n}@example.org", organisation=organisation)
    with django_assert_num_queries(small):
        response = rep_client.get(url)
    html = response.content.decode()
    assert html.count('class="member"') == 14 and html.count("Revoke the invitation") == 13


def test_representative_without_mfa_is_sent_to_enrol_and_nothing_is_sent(client, make_user, organisation):
    client.force_login(make_user(role="representative", organisation=organisation))
    response = client.post(reverse("organisations:invite", kwargs={"slug": organisation.slug}),
                           {"email": "x@example.org", "role": "member", "language": "en"})
    assert response.status_code == 302 and response.url == reverse("mfa_index")
    assert not Invitation.objects.exists()
    page = client.get(detail_url(organisation)).content.decode()
    assert "Set up two-factor authentication first." in page


def test_without_mfa_representatives_and_admins_do_not_see_the_invitees_addresses(client, make_user, organisation,
                                                                                    make_invitation):
    make_invitation(email="invitee@example.org", organisation=organisation)
    for privileged in (make_user(role="representative", organisation=organisation), make_user(role="admin")):
        client.force_login(privileged)
        page = client.get(detail_url(organisation)).content.decode()
        assert "invitee@example.org" not in page and "Set up two-factor authentication first." in page
        assert 'href="/accounts/2fa/?next=%2F' in page


def test_an_inactive_organisation_is_shown_only_to_an_admin_with_mfa(client, make_user, organisation):
    from allauth.mfa.models import Authenticator

    organisation.active = False
    organisation.save(update_fields=["active"])
    admin = make_user(role="admin")
    client.force_login(admin)
    assert client.get(detail_url(organisation)).status_code == 404
    Authenticator.objects.create(user=admin, type="totp", data={"secret": "test"})
    assert client.get(detail_url(organisation)).status_code == 200


def test_organisation_with_an_arabic_slug_opens(member_client, make_organisation):
    organisation = make_organisation(name="شبكة الياسمين", slug="شبكة-الياسمين")
    url = detail_url(organisation)
    assert "%D8%B4" in url
    response = member_client.get(url)
    assert response.status_code == 200 and "شبكة الياسمين" in response.content.decode()


# --- Bad input in the reader's language: each refusal is translated and saves nothing ------------

def _arabic(message: str, **params) -> str:
    from django.utils import translation
    from django.utils.html import escape

    with translation.override("ar"):
        text = translation.gettext(message) % params if params else translation.gettext(message)
    assert text != (message % params if params else message), f"not translated into Arabic: {message}"
    return escape(text)


@pytest.fixture
def arabic_rep_client(client, representative):
    representative.preferred_language = "ar"
    representative.save(update_fields=["preferred_language"])
    client.force_login(representative)
    return client


def test_inviting_beyond_the_seat_limit_is_refused_in_arabic(arabic_rep_client, organisation):
    organisation.seat_limit = 0
    organisation.save()
    response = arabic_rep_client.post(reverse("organisations:invite", kwargs={"slug": organisation.slug}),
                                      {"email": "x@example.org", "role": "member", "language": "ar"})
    assert response.status_code == 403
    expected = _arabic("%(organisation)s has used all of its %(limit)d seats (members and open invitations). "
                       "Revoke an invitation or remove a member first.",
                       organisation=f"\u2068{organisation.name}\u2069", limit=0)
    assert expected in response.content.decode()
    assert not Invitation.objects.exists() and not mail.outbox


def test_inviting_into_another_organisation_is_refused_in_arabic(arabic_rep_client, make_organisation):
    other = make_organisation(name="Other")
    response = arabic_rep_client.post(reverse("organisations:invite", kwargs={"slug": other.slug}),
                                      {"email": "x@example.org", "role": "member", "language": "ar"})
    assert response.status_code == 403
    assert _arabic("Only this organisation's representatives can invite people into it.") in \
        response.content.decode()
    assert not Invitation.objects.exists() and not mail.outbox


def test_a_member_calling_an_admin_only_url_is_refused_in_arabic(client, make_user,
                                                                  organisation):
    from forum.organisations.models import JoinRequest

    member = make_user(role="member", organisation=organisation, preferred_language="ar")
    request = JoinRequest.objects.create(email="join@example.org", display_name="Joiner")
    client.force_login(member)
    response = client.post(reverse("admin:organisations_joinrequest_changelist"),
                           {"action": "approve_selected", "_selected_action": [request.pk]})
    assert response.status_code == 403
    assert _arabic("Only administrators can open the administration pages.") in response.content.decode()
    request.refresh_from_db()
    assert request.status == "pending" and not Invitation.objects.exists()
