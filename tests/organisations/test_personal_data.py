"""The organisations app's part of "download my data" and "delete my account"."""

from __future__ import annotations

import json

import pytest

from forum.core import personal_data
from forum.organisations.models import Invitation, JoinRequest, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(representative, organisation, make_invitation):
    received = make_invitation(email=representative.email, organisation=organisation, state="used",
                               role="representative")
    Invitation.objects.filter(pk=received.pk).update(used_by=representative)
    sent = make_invitation(email="friend@example.org", organisation=organisation, inviter=representative)
    JoinRequest.objects.create(email=representative.email, display_name="Rep", message="hello",
                               status="approved")
    return {"received": received, "sent": sent}


def test_export_lists_membership_invitations_and_requests(representative, history):
    data = json.loads(json.dumps(personal_data.export_all(representative)))
    assert data["organisation_membership"][0]["kind"] == "representative"
    invitations = data["organisation_invitations"]
    assert [i["role"] for i in invitations["received"]] == ["representative"]
    assert invitations["sent"][0]["email"] == "friend@example.org"
    assert data["organisation_join_requests"][0]["message"] == "hello"


def test_erase_removes_what_is_theirs_and_keeps_invitations_they_sent(representative, history):
    personal_data.erase_all(representative)
    assert not Membership.objects.filter(user=representative).exists()
    assert not Invitation.objects.filter(pk=history["received"].pk).exists()
    sent = Invitation.objects.get(pk=history["sent"].pk)
    assert sent.inviter is None and sent.is_open
    assert not JoinRequest.objects.filter(email=representative.email).exists()
