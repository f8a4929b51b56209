"""Factories of the organisations tests: privileged users with a second factor, invitations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone


@pytest.fixture
def with_mfa():
    """with_mfa(user) -> user: enrols TOTP, as a privileged user must before acting."""

    def enrol(user):
        TOTP.activate(user, generate_totp_secret())
        if hasattr(user, "_policy_cache"):
            del user._policy_cache
        return user

    return enrol


@pytest.fixture
def organisation(make_organisation):
    return make_organisation(name="Lamsa Civic Forum", name_ar="منتدى لمسة المدني", slug="lamsa")


@pytest.fixture
def representative(make_user, organisation, with_mfa):
    return with_mfa(make_user(role="representative", organisation=organisation, email="rep@example.org"))


@pytest.fixture
def admin(make_user, with_mfa):
    return with_mfa(make_user(role="admin", email="admin@example.org"))


@pytest.fixture
def make_invitation(db):
    """make_invitation(email=..., organisation=..., role=..., state="open"|"used"|"revoked"|"expired")"""
    import secrets

    from forum.organisations.models import Invitation

    def make(*, email="invitee@example.org", organisation=None, role="member", state="open", inviter=None,
             access_ends_at=None, name="", language=""):
        now = timezone.now()
        invitation = Invitation.objects.create(
            email=email, organisation=organisation, role=role, inviter=inviter, key=secrets.token_urlsafe(32),
            expires_at=now + (timedelta(days=-1) if state == "expired" else timedelta(days=14)),
            revoked_at=now if state == "revoked" else None, used_at=now if state == "used" else None,
            access_ends_at=access_ends_at, name=name, language=language,
        )
        return invitation

    return make
