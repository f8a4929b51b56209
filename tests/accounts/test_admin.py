"""Admin of users, restrictions and observer grants (behind the admin's MFA gate)."""

from __future__ import annotations

import pytest

from forum.accounts.models import Restriction, User
from forum.audit.models import AuditEntry


@pytest.fixture
def admin_client(client, make_user, enrol_totp):
    admin = make_user(role="admin", email="root@example.org")
    enrol_totp(admin)
    client.force_login(admin)
    client.user = admin
    return client


def test_user_list_searches_and_filters(admin_client, make_user):
    make_user(display_name="Yara Saleh", email="yara@example.org")
    make_user(display_name="Omar Said", role="observer")
    html = admin_client.get("/admin/accounts/user/?q=yara").content.decode()
    assert "yara@example.org" in html and "Omar Said" not in html
    html = admin_client.get("/admin/accounts/user/?role__exact=observer").content.decode()
    assert "Omar Said" in html and "Yara Saleh" not in html
    assert admin_client.get("/admin/accounts/user/?is_active__exact=0").status_code == 200


def _user_form(user, **changes):
    data = {"email": user.email, "display_name": user.display_name, "bio": "", "preferred_language": "",
            "role": user.role, "access_ends_at_0": "", "access_ends_at_1": "", "is_active": "on",
            "role_reason": ""}
    data.update(changes)
    return data


def test_changing_a_role_in_the_admin_goes_through_the_service(admin_client, make_user):
    user = make_user(display_name="Hadi Karam", email="hadi@example.org")
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/",
                                 _user_form(user, role="moderator", role_reason="Elected by the assembly"))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.role == "moderator" and user.display_name_key == "hadi karam" and not user.is_staff
    entry = AuditEntry.objects.get(verb="user.role", target_id=str(user.pk))
    assert entry.actor == admin_client.user and entry.reason == "Elected by the assembly"
    assert entry.data["from"]["role"] == "member" and entry.data["to"]["role"] == "moderator"
    assert not AuditEntry.objects.filter(verb="user.change").exists()  # nothing else changed


def test_a_role_change_in_the_admin_needs_a_reason_and_changes_nothing_without(admin_client, make_user):
    user = make_user(display_name="Hadi Karam", email="hadi@example.org")
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", _user_form(user, role="admin"))
    assert response.status_code == 200
    assert "Give a reason." in response.content.decode()
    user.refresh_from_db()
    assert user.role == "member" and not user.is_superuser
    assert not AuditEntry.objects.exists()


def test_an_admin_cannot_change_their_own_role_in_the_admin(admin_client):
    me = admin_client.user
    response = admin_client.post(f"/admin/accounts/user/{me.pk}/change/",
                                 _user_form(me, role="member", role_reason="Stepping down"))
    assert response.status_code == 200
    assert "You cannot change your own role" in response.content.decode()
    me.refresh_from_db()
    assert me.role == "admin"


def test_other_fields_are_saved_and_audited_as_before(admin_client, make_user):
    user = make_user(display_name="Hadi Karam", email="hadi@example.org")
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", _user_form(user, bio="New bio"))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.bio == "New bio"
    assert AuditEntry.objects.get(verb="user.change").data == {"fields": ["bio"]}


def test_restriction_admin_imposes_through_the_service_and_never_edits(admin_client, make_user):
    user = make_user()
    response = admin_client.post("/admin/accounts/restriction/add/", {
        "user": user.pk, "kind": "mute", "scope": "site", "object_id": "", "reason": "Insults",
        "starts_at_0": "", "starts_at_1": "", "ends_at_0": "", "ends_at_1": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    restriction = Restriction.objects.get(user=user)
    assert restriction.created_by == admin_client.user and restriction.kind == "mute"
    assert AuditEntry.objects.filter(verb="restriction.create", target_id=str(restriction.pk)).exists()
    # Read only afterwards: no change, no delete; lifting is an action calling the service.
    assert admin_client.post(f"/admin/accounts/restriction/{restriction.pk}/change/",
                             {"reason": "edited"}).status_code == 403
    assert admin_client.post(f"/admin/accounts/restriction/{restriction.pk}/delete/",
                             {"post": "yes"}).status_code == 403
    admin_client.post("/admin/accounts/restriction/", {"action": "lift_restrictions",
                                                       "_selected_action": [restriction.pk]})
    restriction.refresh_from_db()
    assert restriction.reason == "Insults" and restriction.lifted_at is not None
    assert AuditEntry.objects.filter(verb="restriction.lift").count() == 1


def test_restriction_admin_shows_the_services_refusal(admin_client, make_user):
    user = make_user()
    response = admin_client.post("/admin/accounts/restriction/add/", {
        "user": user.pk, "kind": "ban", "scope": "site", "object_id": "", "reason": "Spam",
        "starts_at_0": "", "starts_at_1": "", "ends_at_0": "2099-01-01", "ends_at_1": "10:00"})
    assert response.status_code == 200
    assert "A ban or a warning has no end date." in response.content.decode()
    assert not Restriction.objects.exists() and not AuditEntry.objects.exists()


def test_observer_grants_are_given_and_revoked_through_the_services(admin_client, make_user):
    from forum.accounts.models import ObserverGrant
    from forum.categories.models import Category

    observer = make_user(role="observer")
    category = Category.objects.create(name="Water", slug="water")
    response = admin_client.post("/admin/accounts/observergrant/add/",
                                 {"user": observer.pk, "scope": "category", "object_id": category.pk})
    assert response.status_code == 302
    grant = ObserverGrant.objects.get(user=observer)
    assert AuditEntry.objects.get(verb="observer_grant.create").scope == f"category:{category.pk}"
    response = admin_client.post("/admin/accounts/observergrant/add/",
                                 {"user": observer.pk, "scope": "category", "object_id": 999999})
    assert response.status_code == 200 and "does not exist" in response.content.decode()
    assert admin_client.post(f"/admin/accounts/observergrant/{grant.pk}/delete/", {"post": "yes"}).status_code == 403
    admin_client.post("/admin/accounts/observergrant/", {"action": "revoke_grants", "_selected_action": [grant.pk]})
    assert not ObserverGrant.objects.exists()
    assert AuditEntry.objects.filter(verb="observer_grant.delete").count() == 1


def test_admin_refuses_a_bidi_display_name(admin_client, make_user):
    user = make_user(display_name="Hadi Karam", email="hadi@example.org")
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", {
        "email": "hadi@example.org", "display_name": "Hadi\u202eKaram", "bio": "", "preferred_language": "",
        "role": "member", "access_ends_at_0": "", "access_ends_at_1": "", "is_active": "on", "role_reason": "",
    })
    assert response.status_code == 200
    assert "Names cannot contain invisible or text-direction characters." in response.content.decode()
    user.refresh_from_db()
    assert user.display_name == "Hadi Karam"


def test_restriction_and_grant_pages_open(admin_client, make_user):
    user = make_user()
    Restriction.objects.create(user=user, kind="mute", reason="test")
    assert admin_client.get("/admin/accounts/restriction/").status_code == 200
    assert admin_client.get("/admin/accounts/restriction/add/").status_code == 200
    assert admin_client.get("/admin/accounts/observergrant/").status_code == 200
    assert User.objects.count() == 2


def test_sessions_and_authenticators_are_searched_by_email(admin_client, make_user):
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession

    user = make_user(email="layla@example.org", display_name="Layla Nasser")
    UserSession.objects.create(user=user, ip="192.0.2.7", session_key="s" * 32, user_agent="Firefox")
    Authenticator.objects.create(user=user, type="webauthn", data={"name": "key"})
    html = admin_client.get("/admin/usersessions/usersession/?q=layla@").content.decode()
    assert "192.0.2.7" in html
    assert "192.0.2.7" not in admin_client.get("/admin/usersessions/usersession/?q=nobody").content.decode()
    response = admin_client.get("/admin/mfa/authenticator/?q=Layla")
    assert response.status_code == 200 and "Layla Nasser" in response.content.decode()
