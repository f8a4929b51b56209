"""Invitations, memberships and requests to join through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from forum.audit.models import AuditEntry
from forum.organisations import services
from forum.organisations.models import Invitation, JoinRequest, Membership

pytestmark = pytest.mark.django_db


def invite(actor, organisation, email="new@example.org", role="member", **extra):
    return services.invitation_create(actor=actor, email=email, organisation=organisation, role=role, **extra)


def test_invitation_is_saved_mailed_in_the_invitees_language_and_audited(
        representative, organisation, django_capture_on_commit_callbacks, settings):
    settings.FORUM_INVITATION_DAYS = 7
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(representative, organisation, email="Nour@Example.ORG", language="fr")
    assert invitation.email == "nour@example.org"
    assert len(invitation.key) >= 40
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    assert invitation.inviter == representative
    [message] = mail.outbox
    assert message.to == ["nour@example.org"]
    from django.utils import translation
    from django.utils.formats import date_format

    with translation.override("fr"):
        french_date = date_format(invitation.expires_at, "DATE_FORMAT")
    assert french_date in message.body  # rendered in the invitee's language (French month name)
    assert "Lamsa Civic Forum" in message.subject
    assert services.invitation_token(invitation) in message.body
    assert AuditEntry.objects.filter(verb="invitation.create", target_id=str(invitation.pk),
                                     actor=representative).exists()


def test_mail_waits_for_the_commit(representative, organisation,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invite(representative, organisation)
    assert len(callbacks) == 1 and mail.outbox == []


def test_invitation_beyond_the_seat_limit_is_refused(representative, organisation, make_invitation):
    organisation.seat_limit = 2
    organisation.save()
    make_invitation(email="one@example.org", organisation=organisation)
    with pytest.raises(PermissionDenied, match="used all of its 2 seats"):
        invite(representative, organisation)
    assert not Invitation.objects.filter(email="new@example.org").exists()


def test_invitation_into_another_organisation_is_refused(representative, make_organisation):
    other = make_organisation(name="Other")
    with pytest.raises(PermissionDenied, match="Only this organisation's representatives"):
        invite(representative, other)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "", "x@@example.org"])
def test_bad_email_is_refused(representative, organisation, email):
    with pytest.raises(ValidationError) as raised:
        invite(representative, organisation, email=email)
    assert "not a valid email address" in raised.value.message_dict["email"][0]
    assert not Invitation.objects.exists()


def test_duplicate_open_invitation_is_refused(representative, organisation, make_invitation):
    make_invitation(email="dup@example.org", organisation=organisation)
    with pytest.raises(ValidationError) as raised:
        invite(representative, organisation, email="DUP@example.org")
    assert "already has an open invitation" in raised.value.message_dict["email"][0]
    assert Invitation.objects.count() == 1


def test_an_expired_invitation_does_not_block_a_new_one(representative, organisation, make_invitation):
    old = make_invitation(email="late@example.org", organisation=organisation, state="expired")
    new = invite(representative, organisation, email="late@example.org")
    old.refresh_from_db()
    assert old.revoked_at is not None and new.is_open


def test_someone_with_an_account_is_not_invited(representative, organisation, make_user):
    make_user(email="known@example.org")
    with pytest.raises(ValidationError) as raised:
        invite(representative, organisation, email="known@example.org")
    assert "already has an account" in raised.value.message_dict["email"][0]


def test_observer_invitation_needs_a_future_end(admin):
    with pytest.raises(ValidationError) as raised:
        invite(admin, None, email="envoy@example.org", role="observer")
    assert "Observers need an end date" in raised.value.message_dict["access_ends_at"][0]
    with pytest.raises(ValidationError):
        invite(admin, None, email="envoy@example.org", role="observer",
               access_ends_at=timezone.now() - timedelta(days=1))
    invitation = invite(admin, None, email="envoy@example.org", role="observer",
                        access_ends_at=timezone.now() + timedelta(days=10))
    assert invitation.role == "observer" and invitation.organisation is None


def test_members_need_an_organisation(admin):
    with pytest.raises(PermissionDenied, match="must be invited into an organisation"):
        invite(admin, None)


def test_revoke_closes_the_invitation_and_is_audited(representative, organisation, make_invitation):
    invitation = make_invitation(organisation=organisation)
    services.invitation_revoke(actor=representative, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None and invitation.status == "revoked"
    assert AuditEntry.objects.filter(verb="invitation.revoke", actor=representative).exists()
    with pytest.raises(PermissionDenied, match="no longer open"):
        services.invitation_revoke(actor=representative, invitation=invitation)


def test_representative_cannot_revoke_another_organisations_invitation(representative, make_organisation,
                                                                      make_invitation):
    from django.http import Http404

    invitation = make_invitation(organisation=make_organisation(name="Other"))
    with pytest.raises(Http404):
        services.invitation_revoke(actor=representative, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_redeem_gives_role_membership_and_marks_used(make_invitation, organisation, django_user_model):
    invitation = make_invitation(email="rep2@example.org", organisation=organisation, role="representative",
                                 language="ar")
    user = django_user_model.objects.create_user(email="rep2@example.org", password="x" * 12)
    services.invitation_redeem(invitation=invitation, user=user)
    user.refresh_from_db()
    invitation.refresh_from_db()
    assert user.role == "member" and user.preferred_language == "ar"
    assert Membership.objects.get(user=user).kind == "representative"
    assert invitation.used_by == user and invitation.status == "used"
    with pytest.raises(services.InvitationInvalid) as raised:
        services.invitation_redeem(invitation=invitation, user=user)
    assert raised.value.status == 410


def test_redeem_as_observer_sets_access_end(make_invitation, django_user_model):
    ends = timezone.now() + timedelta(days=30)
    invitation = make_invitation(email="envoy@example.org", role="observer", access_ends_at=ends)
    user = django_user_model.objects.create_user(email="envoy@example.org", password="x" * 12)
    services.invitation_redeem(invitation=invitation, user=user)
    user.refresh_from_db()
    assert user.role == "observer" and user.access_ends_at == ends
    assert not Membership.objects.filter(user=user).exists()


def test_redeem_with_another_email_is_refused(make_invitation, organisation, django_user_model):
    invitation = make_invitation(email="right@example.org", organisation=organisation)
    user = django_user_model.objects.create_user(email="wrong@example.org", password="x" * 12)
    with pytest.raises(services.InvitationInvalid):
        services.invitation_redeem(invitation=invitation, user=user)
    assert not Membership.objects.filter(user=user).exists()


def test_token_round_trip_and_tampering(make_invitation, organisation):
    invitation = make_invitation(organisation=organisation)
    token = services.invitation_token(invitation)
    assert services.invitation_for_token(token) == invitation
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (flipped, "garbage", token.replace(token[5], "Z" if token[5] != "Z" else "Y", 1)):
        with pytest.raises(services.InvitationInvalid) as raised:
            services.invitation_for_token(bad)
        assert raised.value.status == 400 and raised.value.code == "tampered"


@pytest.mark.parametrize("state", ["used", "revoked", "expired"])
def test_closed_invitations_are_gone(make_invitation, organisation, state):
    invitation = make_invitation(organisation=organisation, state=state)
    with pytest.raises(services.InvitationInvalid) as raised:
        services.invitation_for_token(services.invitation_token(invitation))
    assert raised.value.status == 410 and raised.value.code == state


def test_remove_member(representative, organisation, make_user, django_capture_on_commit_callbacks):
    import asyncio

    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from forum.accounts import events
    from forum.core import realtime

    member = make_user(role="member", organisation=organisation)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)("test.")
    async_to_sync(layer.group_add)(realtime.user_group(member.pk), channel)
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_remove(actor=representative, membership=member.memberships.get())
    assert not Membership.objects.filter(user=member).exists()
    assert AuditEntry.objects.filter(verb="membership.remove", actor=representative).exists()
    # The removed member's open pages check their access again.
    received = async_to_sync(asyncio.wait_for)(layer.receive(channel), timeout=2)
    assert received["event"] == events.access_changed(user_id=member.pk, reason="membership")


def test_remove_yourself_is_refused(representative):
    with pytest.raises(PermissionDenied, match="cannot remove yourself"):
        services.membership_remove(actor=representative, membership=representative.memberships.get())
    assert Membership.objects.filter(user=representative).exists()


def test_remove_member_of_another_organisation_is_refused(representative, make_user):
    stranger = make_user(role="member")
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=representative, membership=stranger.memberships.get())
    assert Membership.objects.filter(user=stranger).exists()


def test_join_requests_closed_by_default(settings):
    settings.FORUM_ALLOW_JOIN_REQUESTS = False
    with pytest.raises(ValidationError, match="closed"):
        services.join_request_create(email="a@example.org", display_name="Ahmad")
    assert not JoinRequest.objects.exists()


def test_join_request_does_not_reveal_existing_accounts(settings, make_user):
    settings.FORUM_ALLOW_JOIN_REQUESTS = True
    make_user(email="member@example.org")
    assert services.join_request_create(email="member@example.org", display_name="Someone") is None
    first = services.join_request_create(email="new@example.org", display_name="أحمد", organisation_name="Lamsa")
    assert first is not None
    assert services.join_request_create(email="new@example.org", display_name="أحمد") is None
    assert JoinRequest.objects.count() == 1


def test_join_request_with_a_bad_name_is_refused(settings):
    settings.FORUM_ALLOW_JOIN_REQUESTS = True
    with pytest.raises(ValidationError) as raised:
        services.join_request_create(email="a@example.org", display_name="\u202eevil")
    assert "invisible" in raised.value.message_dict["display_name"][0]


def test_approving_a_join_request_sends_an_invitation(settings, admin, organisation,
                                                      django_capture_on_commit_callbacks):
    settings.FORUM_ALLOW_JOIN_REQUESTS = True
    request = services.join_request_create(email="new@example.org", display_name="Rana",
                                           organisation_name="lamsa civic forum", language="ar")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.join_request_approve(actor=admin, join_request=request)
    request.refresh_from_db()
    assert request.status == "approved" and request.invitation == invitation and request.decided_by == admin
    assert invitation.organisation == organisation and invitation.language == "ar" and invitation.name == "Rana"
    assert mail.outbox[0].to == ["new@example.org"]
    with pytest.raises(PermissionDenied, match="already been decided"):
        services.join_request_approve(actor=admin, join_request=request)


def test_approving_without_a_known_organisation_asks_for_one(settings, admin):
    settings.FORUM_ALLOW_JOIN_REQUESTS = True
    request = services.join_request_create(email="new@example.org", display_name="Rana",
                                           organisation_name="Unknown group")
    with pytest.raises(ValidationError) as raised:
        services.join_request_approve(actor=admin, join_request=request)
    assert "Choose the organisation" in raised.value.message_dict["organisation"][0]
    request.refresh_from_db()
    assert request.status == "pending" and not Invitation.objects.exists()


def test_only_admins_decide_join_requests(settings, representative):
    settings.FORUM_ALLOW_JOIN_REQUESTS = True
    request = services.join_request_create(email="new@example.org", display_name="Rana")
    for decide in (services.join_request_approve, services.join_request_reject):
        with pytest.raises(PermissionDenied, match="Only administrators"):
            decide(actor=representative, join_request=request)
    request.refresh_from_db()
    assert request.status == "pending"


def test_rejecting_is_audited(settings, admin):
    settings.FORUM_ALLOW_JOIN_REQUESTS = True
    request = services.join_request_create(email="new@example.org", display_name="Rana")
    services.join_request_reject(actor=admin, join_request=request, reason="unknown")
    request.refresh_from_db()
    assert request.status == "rejected"
    assert AuditEntry.objects.filter(verb="join_request.reject", reason="unknown").exists()


def test_links_outside_a_request_use_the_site_url_or_the_first_allowed_host(make_invitation, settings):
    invitation = make_invitation()
    settings.FORUM_SITE_URL = "https://forum.example.org/"
    assert services.invitation_link(invitation).startswith("https://forum.example.org/organisations/invitation/")
    settings.FORUM_SITE_URL = ""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [".example.org", "madaniya.example.org"]
    assert services.invitation_link(invitation).startswith("https://madaniya.example.org/organisations/")
    settings.DEBUG = True
    assert services.invitation_link(invitation).startswith("http://localhost:8000/organisations/")


def test_the_invitees_name_is_stored_normalised(representative, organisation):
    decomposed = "Re\u0301my  " + "e\u0301" * 50  # 104 characters as typed, 56 once composed
    invitation = services.invitation_create(actor=representative, organisation=organisation,
                                            email="remy@example.org", role="member", name=decomposed)
    invitation.refresh_from_db()
    assert invitation.name == "Rémy " + "é" * 50
