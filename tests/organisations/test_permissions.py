"""Each rule of forum.organisations.permissions: who may, who may not, and check == queryset."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from forum.organisations import permissions
from forum.organisations.models import Invitation, Membership, Organisation

pytestmark = pytest.mark.django_db


def allowed(check, *args) -> bool:
    try:
        check(*args)
    except (PermissionDenied, Http404):
        return False
    return True


@pytest.fixture
def people(make_user, organisation, representative, admin, with_mfa, make_organisation):
    other = make_organisation(name="Other")
    return {
        "admin": admin,
        "moderator": with_mfa(make_user(role="moderator")),
        "representative": representative,
        "other_representative": with_mfa(make_user(role="representative", organisation=other)),
        "member": make_user(role="member", organisation=organisation),
        "observer": make_user(role="observer"),
        "expired_observer": make_user(role="observer", access_days=-1),
        "suspended": make_user(role="member", organisation=organisation, suspended=True),
    }


def test_actions_name_every_check():
    for action in permissions.ACTIONS:
        assert callable(getattr(permissions, f"check_{action}"))


def test_directory_is_for_full_members_not_observers(people):
    expected = {"admin": True, "moderator": True, "representative": True, "other_representative": True,
                "member": True, "observer": False, "expired_observer": False, "suspended": False}
    for name, user in people.items():
        assert allowed(permissions.check_view_directory, user) is expected[name], name
        assert permissions.visible_organisations(user, Organisation.objects.all()).exists() is expected[name], name


def test_observer_is_told_why_the_directory_is_closed(people):
    with pytest.raises(PermissionDenied, match="Observers do not have access"):
        permissions.check_view_directory(people["observer"])


def test_view_organisation_check_and_queryset_agree(people, organisation, make_organisation):
    inactive = make_organisation(name="Closed", active=False)
    for name, user in people.items():
        visible = set(permissions.visible_organisations(user, Organisation.objects.all()))
        for org in Organisation.objects.all():
            assert allowed(permissions.check_view_organisation, user, org) is (org in visible), (name, org)
    assert inactive in permissions.visible_organisations(people["admin"], Organisation.objects.all())
    with pytest.raises(Http404):
        permissions.check_view_organisation(people["member"], inactive)


def test_invite_member_check_and_queryset_agree(people, organisation):
    for name, user in people.items():
        invitable = set(permissions.invitable_organisations(user, Organisation.objects.all()))
        for org in Organisation.objects.all():
            assert allowed(permissions.check_invite_member, user, org, "member") is (org in invitable), (name, org)
    assert set(permissions.invitable_organisations(people["representative"], Organisation.objects.all())) == {
        organisation}


def test_representative_cannot_invite_into_another_organisation(people, make_organisation):
    other = Organisation.objects.exclude(pk=people["representative"].memberships.get().organisation_id).first()
    with pytest.raises(PermissionDenied, match="Only this organisation's representatives"):
        permissions.check_invite_member(people["representative"], other, "member")


@pytest.mark.parametrize("role", ["observer", "moderator"])
def test_representative_cannot_invite_observers_or_moderators(people, organisation, role):
    with pytest.raises(PermissionDenied, match="observers and moderators are invited by an administrator"):
        permissions.check_invite_member(people["representative"], organisation, role)


@pytest.mark.parametrize("role", ["member", "representative", "observer", "moderator"])
def test_admin_may_invite_every_role(people, organisation, role):
    permissions.check_invite_member(people["admin"], organisation if role in ("member", "representative") else None,
                                    role)


def test_members_and_moderators_cannot_invite(people, organisation):
    for name in ("member", "moderator", "observer"):
        with pytest.raises(PermissionDenied):
            permissions.check_invite_member(people[name], organisation, "member")


def test_seat_limit_counts_members_and_open_invitations(people, organisation, make_invitation):
    # representative + member + suspended member = 3 memberships
    organisation.seat_limit = 5
    organisation.save()
    make_invitation(email="a@example.org", organisation=organisation)
    make_invitation(email="old@example.org", organisation=organisation, state="expired")
    make_invitation(email="gone@example.org", organisation=organisation, state="revoked")
    assert permissions.seats_taken(organisation) == 4
    assert permissions.with_seats_taken(Organisation.objects.filter(pk=organisation.pk)).get().seats_taken == 4
    permissions.check_invite_member(people["representative"], organisation, "member")
    make_invitation(email="b@example.org", organisation=organisation)
    with pytest.raises(PermissionDenied, match="used all of its 5 seats"):
        permissions.check_invite_member(people["representative"], organisation, "member")
    assert not permissions.invitable_organisations(people["representative"], Organisation.objects.all()).exists()


def test_privileged_actions_need_mfa(make_user, organisation, make_invitation):
    representative = make_user(role="representative", organisation=organisation)
    member = Membership.objects.exclude(user=representative).filter(organisation=organisation).first() or \
        make_user(role="member", organisation=organisation).memberships.get()
    invitation = make_invitation(organisation=organisation)
    for check, args in [(permissions.check_invite_member, (organisation, "member")),
                        (permissions.check_revoke_invitation, (invitation,)),
                        (permissions.check_remove_member, (member,))]:
        with pytest.raises(PermissionDenied, match="two-factor"):
            check(representative, *args)
    assert not permissions.invitable_organisations(representative, Organisation.objects.all()).exists()
    assert not permissions.revocable_invitations(representative, Invitation.objects.all()).exists()
    assert not permissions.removable_memberships(representative, Membership.objects.all()).exists()


def test_revoke_invitation_check_and_queryset_agree(people, organisation, make_invitation, make_organisation):
    other = Organisation.objects.get(name="Other")
    invitations = [
        make_invitation(email="o1@example.org", organisation=organisation),
        make_invitation(email="o2@example.org", organisation=other),
        make_invitation(email="o3@example.org", role="observer",
                        access_ends_at=timezone.now() + timedelta(days=3)),
        make_invitation(email="o4@example.org", organisation=organisation, state="used"),
    ]
    for name, user in people.items():
        revocable = set(permissions.revocable_invitations(user, Invitation.objects.all()))
        for invitation in invitations:
            assert allowed(permissions.check_revoke_invitation, user, invitation) is (invitation in revocable), (
                name, invitation)
    assert set(permissions.revocable_invitations(people["representative"], Invitation.objects.all())) == {
        invitations[0]}


def test_remove_member_check_and_queryset_agree(people):
    for name, user in people.items():
        removable = set(permissions.removable_memberships(user, Membership.objects.all()))
        for membership in Membership.objects.all():
            assert allowed(permissions.check_remove_member, user, membership) is (membership in removable), (
                name, membership)


def test_nobody_removes_themselves(people):
    own = people["representative"].memberships.get()
    with pytest.raises(PermissionDenied, match="cannot remove yourself"):
        permissions.check_remove_member(people["representative"], own)


def test_manage_organisations_and_join_requests_are_for_admins(people):
    from forum.organisations.models import JoinRequest

    JoinRequest.objects.create(email="x@example.org", display_name="X")
    for name, user in people.items():
        manages = allowed(permissions.check_manage_organisations, user)
        assert manages is (name == "admin"), name
        assert permissions.manageable_organisations(user, Organisation.objects.all()).exists() is manages
        approves = allowed(permissions.check_approve_join_request, user)
        assert approves is (name == "admin"), name
        assert permissions.visible_join_requests(user, JoinRequest.objects.all()).exists() is approves
