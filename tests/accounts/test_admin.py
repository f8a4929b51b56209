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


def test_changing_a_role_in_the_admin_is_audited(admin_client, make_user):
    user = make_user(display_name="Hadi Karam", email="hadi@example.org")
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", {
        "email": "hadi@example.org", "display_name": "Hadi Karam", "bio": "", "preferred_language": "",
        "role": "moderator", "access_ends_at_0": "", "access_ends_at_1": "", "is_active": "on",
    })
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.role == "moderator" and user.display_name_key == "hadi karam"
    entry = AuditEntry.objects.get(verb="user.change", target_id=str(user.pk))
    assert entry.actor == admin_client.user and entry.data["fields"] == ["role"]


def test_admin_refuses_a_bidi_display_name(admin_client, make_user):
    user = make_user(display_name="Hadi Karam", email="hadi@example.org")
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", {
        "email": "hadi@example.org", "display_name": "Hadi\u202eKaram", "bio": "", "preferred_language": "",
        "role": "member", "access_ends_at_0": "", "access_ends_at_1": "", "is_active": "on",
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
