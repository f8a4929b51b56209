"""Data rights: download everything as JSON, delete the account (after the password) keeping
authored content as "Former member"; the registry other apps add to."""

from __future__ import annotations

import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from forum.accounts import services
from forum.accounts.models import ObserverGrant, Restriction, User
from forum.audit.models import AuditEntry
from forum.core import personal_data

from .conftest import PASSWORD, sign_in

EXPORT = "/me/data/"
DELETE = "/me/delete/"


@pytest.fixture
def signed_in(client, make_user, enrol_totp):
    user = make_user(email="me@example.org", display_name="Layla Nasser", preferred_language="ar")
    User.objects.filter(pk=user.pk).update(bio="Lawyer")
    sign_in(client, "me@example.org")
    client.user = User.objects.get(pk=user.pk)
    return client


@pytest.fixture
def probe_entry():
    """A registry entry of a pretend app, to see the registry called (removed afterwards)."""
    calls = []
    personal_data.register("zz_probe", export=lambda user: {"probe_for": user.pk},
                           erase=lambda user: calls.append(user.pk))
    yield calls
    personal_data.unregister("zz_probe")


def test_every_installed_apps_personal_data_is_registered():
    names = {entry.name for entry in personal_data.entries()}
    assert {"account", "emails", "sessions", "mfa", "restrictions", "organisation_membership"} <= names


def test_registry_refuses_an_entry_with_nothing_to_do():
    with pytest.raises(ValueError):
        personal_data.register("empty")


def test_export_page_explains_then_downloads_json_after_the_password(signed_in, enrol_totp, probe_entry):
    user = signed_in.user
    enrol_totp(user)
    Restriction.objects.create(user=user, kind="mute", reason="Spam in #general")
    assert signed_in.get(EXPORT).status_code == 200

    # The password is asked for first (signing in is not re-authenticating), then the download resumes.
    response = signed_in.post(EXPORT)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    response = signed_in.post(f"{reverse('account_reauthenticate')}?next={EXPORT}",
                              {"password": PASSWORD, "next": EXPORT})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment;" in response["Content-Disposition"]
    payload = json.loads(response.content)
    data = payload["data"]
    assert payload["user_id"] == user.pk
    assert data["account"]["email"] == "me@example.org"
    assert data["account"]["display_name"] == "Layla Nasser"
    assert data["account"]["bio"] == "Lawyer"
    assert data["account"]["preferred_language"] == "ar"
    assert data["emails"] == [{"email": "me@example.org", "verified": True, "primary": True}]
    assert len(data["sessions"]) == 1 and data["sessions"][0]["ip"] == "127.0.0.1"
    assert [m["type"] for m in data["mfa"]] == ["totp"]
    assert data["restrictions"][0]["reason"] == "Spam in #general"
    assert data["organisation_membership"][0]["kind"] == "member"
    assert data["zz_probe"] == {"probe_for": user.pk}
    secret = Authenticator.objects.get(user=user).data["secret"]
    assert secret not in response.content.decode()
    assert user.password not in response.content.decode()


def test_export_is_only_for_oneself(make_user):
    with pytest.raises(PermissionDenied):
        services.personal_data_export(user=make_user(), actor=make_user(role="admin"))


def test_delete_account_asks_for_confirmation_then_the_password(signed_in, probe_entry, make_user):
    from forum.categories.models import Category
    from forum.discussions.models import Post, Thread

    user = signed_in.user
    other = make_user()
    category = Category.objects.create(name="General", slug="general")
    thread = Thread.objects.create(category=category, title="Water in Deir ez-Zor", author=user,
                                   last_activity_at=timezone.now())
    post = Post.objects.create(thread=thread, author=user, source="Hello", html="<p>Hello</p>", path="00000001")
    ObserverGrant.objects.create(user=user, scope="category", object_id=category.pk)
    Restriction.objects.create(user=user, kind="mute", reason="kept for accountability")
    other_session = UserSession.objects.get(user=user).session_key

    # The member reads Arabic (their saved preference), so the page speaks Arabic.
    with translation.override("ar"):
        assert gettext("Delete my account") in signed_in.get(DELETE).content.decode()
    # The password is asked for first (signing in is not re-authenticating), then the request resumes.
    response = signed_in.post(DELETE, {})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    response = signed_in.post(f"{reverse('account_reauthenticate')}?next={DELETE}",
                              {"password": PASSWORD, "next": DELETE})
    # Unconfirmed: a clear error and nothing deleted.
    assert response.status_code == 400
    with translation.override("ar"):
        expected = gettext("Please tick the box to confirm that you want to delete your account.")
    assert expected in response.content.decode()
    assert User.objects.get(pk=user.pk).deleted_at is None

    response = signed_in.post(DELETE, {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == "/"

    user.refresh_from_db()
    assert user.email == f"deleted-{user.pk}@invalid"
    assert user.display_name == "" and user.display_name_key == "" and user.bio == ""
    assert user.preferred_language == ""
    assert not user.has_usable_password()
    assert not user.is_active and user.deleted_at is not None
    with translation.override("en"):
        assert user.public_name == "Former member"
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Authenticator.objects.filter(user=user).exists()
    assert not UserSession.objects.filter(user=user).exists()
    assert not Session.objects.filter(session_key=other_session).exists()
    assert not ObserverGrant.objects.filter(user=user).exists()
    assert not user.memberships.exists()
    assert probe_entry == [user.pk]
    # Authored content stays, signed "Former member"; sanctions stay for accountability.
    post.refresh_from_db()
    translation.activate("en")
    assert post.author_id == user.pk and post.author.public_name == "Former member"
    assert Thread.objects.get(pk=thread.pk).author.public_name == "Former member"
    assert Restriction.objects.filter(user=user).exists()
    assert AuditEntry.objects.filter(verb="account.delete", target_id=str(user.pk)).exists()
    # Signed out, and the old address and password no longer open anything.
    assert "_auth_user_id" not in signed_in.session
    sign_in(signed_in, "me@example.org")
    assert "_auth_user_id" not in signed_in.session
    assert other.is_active


def test_deleted_account_frees_the_email_and_the_name(signed_in, make_user):
    user = signed_in.user
    services.account_delete(user=user, actor=user)
    newcomer = make_user(email="me@example.org", display_name="Layla Nasser")
    assert newcomer.pk != user.pk


def test_nobody_deletes_someone_elses_account(make_user):
    target = make_user()
    with pytest.raises(PermissionDenied):
        services.account_delete(user=target, actor=make_user(role="admin"))
    target.refresh_from_db()
    assert target.deleted_at is None and target.is_active


def test_anonymous_is_sent_to_sign_in(client):
    for url in (EXPORT, DELETE):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_a_failing_eraser_leaves_the_account_untouched(make_user):
    user = make_user(email="atomic@example.org", display_name="Atomic Person")

    def broken(_user):
        raise RuntimeError("eraser failed")

    personal_data.register("zz_broken", erase=broken)
    try:
        with pytest.raises(RuntimeError):
            services.account_delete(user=user, actor=user)
    finally:
        personal_data.unregister("zz_broken")
    user.refresh_from_db()
    assert user.email == "atomic@example.org" and user.display_name == "Atomic Person"
    assert user.deleted_at is None and user.is_active
    assert EmailAddress.objects.filter(user=user).exists()
    assert user.memberships.exists()


def test_the_only_administrator_cannot_delete_their_account(client, make_user, enrol_totp):
    admin = make_user(role="admin", email="only@example.org")
    enrol_totp(admin)
    client.force_login(admin)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(DELETE, {"confirm": "on"})
    assert response.status_code == 400
    assert "You are the only administrator." in response.content.decode()
    admin.refresh_from_db()
    assert admin.deleted_at is None and admin.is_active and admin.email == "only@example.org"
    make_user(role="admin")
    assert client.post(DELETE, {"confirm": "on"}).status_code == 302
    admin.refresh_from_db()
    assert admin.deleted_at is not None


def test_export_has_a_section_for_every_registered_kind_of_data(make_user, make_organisation):
    from forum.organisations.models import Invitation, JoinRequest

    user = make_user(email="me@example.org", display_name="Layla Nasser")
    organisation = user.memberships.get().organisation
    Invitation.objects.create(email="me@example.org", organisation=organisation, role="member", key="k-received",
                              expires_at=timezone.now(), used_at=timezone.now(), used_by=user)
    Invitation.objects.create(email="friend@example.org", organisation=organisation, role="member",
                              key="k-sent", inviter=user, expires_at=timezone.now())
    JoinRequest.objects.create(email="me@example.org", display_name="Layla", organisation_name="Lamsa")

    data = json.loads(services.personal_data_export_json(user=user, actor=user))["data"]
    exported = {entry.name for entry in personal_data.entries() if entry.export is not None}
    assert set(data) == exported
    assert {"organisation_invitations", "organisation_join_requests"} <= exported
    assert len(data["organisation_invitations"]["received"]) == 1
    assert data["organisation_invitations"]["sent"][0]["email"] == "friend@example.org"
    assert data["organisation_join_requests"][0]["organisation_name"] == "Lamsa"


def test_the_data_rights_page_documents_every_registered_section():
    """docs/data-rights.md tells members what the download holds: a new section must be described there."""
    from pathlib import Path

    from django.conf import settings

    text = (Path(settings.BASE_DIR) / "docs" / "data-rights.md").read_text(encoding="utf-8")
    missing = [entry.name for entry in personal_data.entries() if f"`{entry.name}`" not in text]
    assert missing == [], f"sections not described in docs/data-rights.md: {missing}"


def test_a_wrong_password_deletes_nothing(signed_in):
    user = signed_in.user
    signed_in.post(DELETE, {"confirm": "on"})
    response = signed_in.post(f"{reverse('account_reauthenticate')}?next={DELETE}",
                              {"password": "not-my-password", "next": DELETE})
    assert response.status_code == 200
    with translation.override("ar"):  # the member's language
        assert gettext("Incorrect password.") in response.content.decode()
    user.refresh_from_db()
    assert user.deleted_at is None and user.is_active and user.email == "me@example.org"
    assert EmailAddress.objects.filter(user=user).exists()
