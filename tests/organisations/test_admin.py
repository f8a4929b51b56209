"""Django admin: organisations with member inline, invitation revoke action, join request actions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from forum.accounts.enrolment import enrol_url
from forum.organisations.models import Invitation, JoinRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def test_admin_lists_and_searches_organisations(admin_client, organisation):
    response = admin_client.get(reverse("admin:organisations_organisation_changelist"), {"q": "لمسة"})
    assert response.status_code == 200 and "Lamsa Civic Forum" in response.content.decode()
    response = admin_client.get(reverse("admin:organisations_organisation_change", args=[organisation.pk]))
    assert response.status_code == 200 and "memberships-TOTAL_FORMS" in response.content.decode()


def test_admin_pages_of_every_model_open(admin_client, make_invitation, organisation):
    make_invitation(organisation=organisation)
    JoinRequest.objects.create(email="x@example.org", display_name="X")
    for model in ("organisation", "membership", "invitation", "joinrequest"):
        response = admin_client.get(reverse(f"admin:organisations_{model}_changelist"))
        assert response.status_code == 200, model


def test_revoke_action(admin_client, make_invitation, organisation):
    open_one = make_invitation(email="a@example.org", organisation=organisation)
    used = make_invitation(email="b@example.org", organisation=organisation, state="used")
    response = admin_client.post(reverse("admin:organisations_invitation_changelist"),
                                 {"action": "revoke_selected", "_selected_action": [open_one.pk, used.pk]},
                                 follow=True)
    html = response.content.decode()
    assert "1 invitation(s) revoked" in html and "no longer open" in html
    open_one.refresh_from_db()
    used.refresh_from_db()
    assert open_one.revoked_at is not None and used.revoked_at is None


def test_approve_and_reject_actions(admin_client, organisation, settings, django_capture_on_commit_callbacks):
    settings.FORUM_ALLOW_JOIN_REQUESTS = True
    known = JoinRequest.objects.create(email="known@example.org", display_name="Known",
                                       organisation_name="Lamsa Civic Forum")
    unknown = JoinRequest.objects.create(email="unknown@example.org", display_name="Unknown",
                                         organisation_name="Nobody knows")
    url = reverse("admin:organisations_joinrequest_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"action": "approve_selected", "_selected_action": [known.pk, unknown.pk]},
                                     follow=True)
    html = response.content.decode()
    assert "1 request(s) approved" in html and "Choose the organisation unknown@example.org joins" in html
    assert Invitation.objects.get().email == "known@example.org"
    admin_client.post(url, {"action": "reject_selected", "_selected_action": [unknown.pk]})
    unknown.refresh_from_db()
    assert unknown.status == "rejected"


def test_members_cannot_open_the_organisation_admin(member_client):
    response = member_client.get(reverse("admin:organisations_organisation_changelist"))
    assert response.status_code in (302, 403)


def test_admin_without_mfa_is_sent_to_enrol(client, make_user):
    client.force_login(make_user(role="admin"))
    changelist = reverse("admin:organisations_organisation_changelist")
    response = client.get(changelist)
    assert response.status_code == 302 and response.url == enrol_url(changelist)


def admin_add(admin_client, **data):
    form = {"email": "", "name": "", "organisation": "", "role": "member", "access_ends_at_0": "",
            "access_ends_at_1": "", "language": ""}
    form.update(data)
    return admin_client.post(reverse("admin:organisations_invitation_add"), form)


def test_admin_invites_an_observer_with_an_end_date(admin_client, admin, django_capture_on_commit_callbacks):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_add(admin_client, email="envoy@example.org", role="observer",
                             access_ends_at_0="2099-01-31", access_ends_at_1="12:00:00", language="fr")
    assert response.status_code == 302, response.content.decode()[:3000]
    invitation = Invitation.objects.get()
    assert invitation.role == "observer" and invitation.access_ends_at.year == 2099
    assert invitation.inviter == admin and invitation.language == "fr"
    assert mail.outbox[0].to == ["envoy@example.org"]
    page = admin_client.get(reverse("admin:organisations_invitation_change", args=[invitation.pk]))
    assert "/organisations/invitation/" in page.content.decode()


@pytest.mark.parametrize("data, error", [
    ({"email": "envoy@example.org", "role": "observer"}, "Observers need an end date"),
    ({"email": "m@example.org", "role": "member"}, "must be invited into an organisation"),
    ({"email": "bad", "role": "moderator"}, "Enter a valid email address"),
])
def test_admin_invitation_errors_save_nothing(admin_client, data, error):
    response = admin_add(admin_client, **data)
    assert response.status_code == 200 and error in response.content.decode()
    assert not Invitation.objects.exists()


def test_admin_duplicate_invitation_is_refused(admin_client, make_invitation):
    make_invitation(email="dup@example.org")
    response = admin_add(admin_client, email="dup@example.org", role="moderator")
    assert "already has an open invitation" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_organisation_names_refuse_bidi_overrides_like_display_names(make_organisation):
    from django.core.exceptions import ValidationError

    organisation = make_organisation(name="Lamsa")
    organisation.name_ar = "لمسة \u202e"
    organisation.name = "Lamsa\u200b"
    with pytest.raises(ValidationError) as caught:
        organisation.full_clean()
    assert set(caught.value.message_dict) == {"name", "name_ar"}
