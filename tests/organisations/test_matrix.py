"""Every role against every action of this app, over HTTP: allowed means the effect happened."""

from __future__ import annotations

import pytest
from django.urls import reverse

from forum.organisations import permissions
from forum.organisations.models import Invitation, JoinRequest, Membership

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "representative", "other_representative", "moderator", "admin", "observer",
         "expired_observer", "suspended")

ALLOWED = {
    "view_directory": {"member", "representative", "other_representative", "moderator", "admin"},
    "view_organisation": {"member", "representative", "other_representative", "moderator", "admin"},
    "invite_member": {"representative", "admin"},
    "revoke_invitation": {"representative", "admin"},
    "remove_member": {"representative", "admin"},
    "manage_organisations": {"admin"},
    "approve_join_request": {"admin"},
}


def test_the_matrix_covers_every_action():
    assert set(ALLOWED) == set(permissions.ACTIONS)


@pytest.fixture
def world(make_user, make_organisation, organisation, with_mfa, make_invitation):
    other = make_organisation(name="Other")
    users = {
        "member": make_user(role="member", organisation=organisation),
        "representative": with_mfa(make_user(role="representative", organisation=organisation)),
        "other_representative": with_mfa(make_user(role="representative", organisation=other)),
        "moderator": with_mfa(make_user(role="moderator")),
        "admin": with_mfa(make_user(role="admin")),
        "observer": make_user(role="observer"),
        "expired_observer": make_user(role="observer", access_days=-1),
        "suspended": make_user(role="member", organisation=organisation, suspended=True),
    }
    target = make_user(role="member", organisation=organisation)
    invitation = make_invitation(email="open@example.org", organisation=organisation)
    join_request = JoinRequest.objects.create(email="join@example.org", display_name="Joiner",
                                              organisation=organisation)
    return {"users": users, "organisation": organisation, "target": target, "invitation": invitation,
            "join_request": join_request}


def attempt(client, world, action) -> bool:
    org = world["organisation"]
    if action == "view_directory":
        return client.get(reverse("organisations:index")).status_code == 200
    if action == "view_organisation":
        return client.get(org.get_absolute_url()).status_code == 200
    if action == "invite_member":
        client.post(reverse("organisations:invite", kwargs={"slug": org.slug}),
                    {"email": "fresh@example.org", "role": "member", "language": "en"})
        return Invitation.objects.filter(email="fresh@example.org").exists()
    if action == "revoke_invitation":
        client.post(reverse("organisations:invitation_revoke",
                            kwargs={"slug": org.slug, "invitation_id": world["invitation"].pk}))
        world["invitation"].refresh_from_db()
        return world["invitation"].revoked_at is not None
    if action == "remove_member":
        membership = world["target"].memberships.get()
        client.post(reverse("organisations:member_remove", kwargs={"slug": org.slug,
                                                                   "membership_id": membership.pk}))
        return not Membership.objects.filter(pk=membership.pk).exists()
    if action == "manage_organisations":
        return client.get(reverse("admin:organisations_organisation_changelist")).status_code == 200
    if action == "approve_join_request":
        client.post(reverse("admin:organisations_joinrequest_changelist"),
                    {"action": "approve_selected", "_selected_action": [world["join_request"].pk]})
        world["join_request"].refresh_from_db()
        return world["join_request"].status == "approved"
    raise AssertionError(action)


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_role_against_action(client, world, role, action):
    if role != "anonymous":
        client.force_login(world["users"][role])
    assert attempt(client, world, action) is (role in ALLOWED[action]), f"{role} → {action}"
