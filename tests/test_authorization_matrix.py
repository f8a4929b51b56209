"""Every role against every action the policy layer decides.

Each app's `permissions.py` lists its actions in `ACTIONS`; `ROWS` below says, for each action, how
to attempt it on the shared world and which roles may. The test fails when an app declares an
action without a row, so a new action cannot go unchecked. Privileged users have a second factor
here (without one they are refused: that rule has its own tests).
"""

from __future__ import annotations

import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

# Modules that decide access: each app's permissions.py, and the attachment rules beside their views.
POLICY_MODULES = {
    "accounts": "forum.accounts.permissions",
    "organisations": "forum.organisations.permissions",
    "notifications": "forum.notifications.permissions",
    "categories": "forum.categories.permissions",
    "discussions": "forum.discussions.permissions",
    "attachments": "forum.discussions.attachments",
    "search": "forum.search.permissions",
}

ROLES = [
    "anonymous", "member", "representative", "category_moderator", "moderator", "admin",
    "observer", "expired_observer", "suspended_member", "mfa_less_moderator",
]

FULL = {"member", "representative", "category_moderator", "moderator", "admin", "mfa_less_moderator"}
READERS = FULL | {"observer"}
# Observers take part where they are granted (marked as observers) but do not open threads.
PARTICIPANTS = FULL | {"observer"}
MODERATORS = {"category_moderator", "moderator", "admin"}
SIGNED_IN = set(ROLES) - {"anonymous"}


def _perm(app):
    return importlib.import_module(POLICY_MODULES[app])


# (app, action): (attempt(world, user), roles allowed)
ROWS = {
    ("accounts", "view_profile"): (lambda w, u: _perm("accounts").check_view_profile(u, w.author), FULL),
    ("accounts", "edit_profile"): (lambda w, u: _perm("accounts").check_edit_profile(u, u), READERS),
    ("accounts", "export_data"): (lambda w, u: _perm("accounts").check_export_data(u, u), SIGNED_IN),
    ("accounts", "delete_account"): (lambda w, u: _perm("accounts").check_delete_account(u, u), SIGNED_IN),
    ("accounts", "manage_users"): (lambda w, u: _perm("accounts").check_manage_users(u), {"admin"}),
    ("organisations", "view_directory"): (lambda w, u: _perm("organisations").check_view_directory(u), FULL),
    ("organisations", "view_organisation"): (
        lambda w, u: _perm("organisations").check_view_organisation(u, w.org), FULL),
    ("organisations", "invite_member"): (
        lambda w, u: _perm("organisations").check_invite_member(u, w.org, "member"), {"representative", "admin"}),
    ("organisations", "revoke_invitation"): (
        lambda w, u: _perm("organisations").check_revoke_invitation(u, w.invitation), {"representative", "admin"}),
    ("organisations", "remove_member"): (
        lambda w, u: _perm("organisations").check_remove_member(u, w.author_membership), {"representative", "admin"}),
    ("organisations", "manage_organisations"): (
        lambda w, u: _perm("organisations").check_manage_organisations(u), {"admin"}),
    ("organisations", "approve_join_request"): (
        lambda w, u: _perm("organisations").check_approve_join_request(u, None), {"admin"}),
    ("categories", "view_category"): (lambda w, u: _perm("categories").check_view_category(u, w.category), READERS),
    ("categories", "start_thread"): (lambda w, u: _perm("categories").check_start_thread(u, w.category), FULL),
    ("categories", "reply_in_category"): (
        lambda w, u: _perm("categories").check_reply_in_category(u, w.category), PARTICIPANTS),
    ("categories", "moderate_category"): (
        lambda w, u: _perm("categories").check_moderate_category(u, w.category), MODERATORS),
    ("discussions", "view_thread"): (lambda w, u: _perm("discussions").check_view_thread(u, w.thread), READERS),
    ("discussions", "start_thread"): (lambda w, u: _perm("discussions").check_start_thread(u, w.category), FULL),
    ("discussions", "reply_to_thread"): (
        lambda w, u: _perm("discussions").check_reply_to_thread(u, w.thread), PARTICIPANTS),
    ("discussions", "edit_post"): (
        lambda w, u: _perm("discussions").check_edit_post(u, w.post), MODERATORS | {"member"}),
    ("discussions", "delete_post"): (lambda w, u: _perm("discussions").check_delete_post(u, w.post), {"member"}),
    ("discussions", "react_to_post"): (lambda w, u: _perm("discussions").check_react_to_post(u, w.post), PARTICIPANTS),
    ("discussions", "pin_thread"): (lambda w, u: _perm("discussions").check_pin_thread(u, w.thread), MODERATORS),
    ("discussions", "lock_thread"): (lambda w, u: _perm("discussions").check_lock_thread(u, w.thread), MODERATORS),
    ("discussions", "move_thread"): (
        lambda w, u: _perm("discussions").check_move_thread(u, w.thread, w.other_category), {"moderator", "admin"}),
    ("discussions", "view_revisions"): (
        lambda w, u: _perm("discussions").check_view_revisions(u, w.post), READERS),
    ("discussions", "speak_for_organisation"): (
        lambda w, u: _perm("discussions").check_speak_for_organisation(u, w.org), {"representative"}),
    ("discussions", "rename_thread"): (
        lambda w, u: _perm("discussions").check_rename_thread(u, w.thread), MODERATORS | {"member"}),
    ("discussions", "hide_post"): (lambda w, u: _perm("discussions").check_hide_post(u, w.post), MODERATORS),
    ("discussions", "preview_post"): (lambda w, u: _perm("discussions").check_preview_post(u), PARTICIPANTS),
    ("search", "search"): (lambda w, u: _perm("search").check_search(u), READERS),
    ("notifications", "view_notification"): (
        lambda w, u: _perm("notifications").check_view_notification(u, w.notification), {"member"}),
    ("notifications", "mark_notifications_read"): (
        lambda w, u: _perm("notifications").check_mark_notifications_read(u), SIGNED_IN),
    ("notifications", "manage_email_preferences"): (
        lambda w, u: _perm("notifications").check_manage_email_preferences(u), SIGNED_IN),
    ("attachments", "upload_attachment"): (
        lambda w, u: _perm("attachments").check_upload_attachment(u), PARTICIPANTS),
    ("attachments", "view_attachment"): (
        lambda w, u: _perm("attachments").check_view_attachment(u, w.attachment), READERS),
}


def _give_mfa(user):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "unused"})


@pytest.fixture
def world(db, make_user, make_organisation):
    from django.contrib.auth.models import AnonymousUser

    from forum.accounts.models import ObserverGrant
    from forum.categories.models import Category
    from forum.core.richtext import render_post
    from forum.discussions.models import Attachment, Post, Thread
    from forum.notifications.models import Notification
    from forum.organisations.models import Invitation

    org = make_organisation(name="Horizon")
    category = Category.objects.create(name="General", slug="general")
    other_category = Category.objects.create(name="Other", slug="other")
    users = {
        "anonymous": AnonymousUser(),
        "member": make_user(role="member", organisation=org),
        "representative": make_user(role="representative", organisation=org),
        "category_moderator": make_user(role="member"),
        "moderator": make_user(role="moderator"),
        "admin": make_user(role="admin"),
        "observer": make_user(role="observer", access_days=10),
        "expired_observer": make_user(role="observer", access_days=-1),
        "suspended_member": make_user(role="member", organisation=org, suspended=True),
        "mfa_less_moderator": make_user(role="moderator"),
    }
    for name in ("representative", "category_moderator", "moderator", "admin"):
        _give_mfa(users[name])
    category.moderators.add(users["category_moderator"])
    for name in ("observer", "expired_observer"):
        ObserverGrant.objects.create(user=users[name], scope="category", object_id=category.pk)
    author = users["member"]
    thread = Thread.objects.create(category=category, title="Water", author=author,
                                   last_activity_at=timezone.now())
    post = Post.objects.create(thread=thread, author=author, source="Hello", html=render_post("Hello"),
                               path="00000001")
    invitation = Invitation.objects.create(email="new@example.org", organisation=org, role="member",
                                           inviter=users["representative"], key="k" * 40,
                                           expires_at=timezone.now() + timedelta(days=3))
    notification = Notification.objects.create(recipient=author, kind="reply", url=post.get_absolute_url(),
                                               data={"thread_title": thread.title})
    attachment = Attachment.objects.create(post=post, uploader=author, file="attachments/x.png",
                                           content_type="image/png", size=10, width=1, height=1)
    return SimpleNamespace(users=users, org=org, category=category, other_category=other_category,
                           thread=thread, post=post, author=author, invitation=invitation,
                           notification=notification, attachment=attachment,
                           author_membership=author.memberships.get())


def _allowed(attempt, world, user) -> bool:
    from forum.accounts.permissions import forget

    forget(user)
    try:
        attempt(world, user)
    except (PermissionDenied, Http404):
        return False
    return True


def test_every_declared_action_has_a_row():
    declared = {(app, action) for app in POLICY_MODULES for action in _perm(app).ACTIONS}
    assert sorted(declared - set(ROWS)) == [], "actions without a row in the authorisation matrix"
    assert sorted(set(ROWS) - declared) == [], "rows for actions no app declares"


@pytest.mark.parametrize("key", sorted(ROWS), ids=lambda k: f"{k[0]}.{k[1]}")
def test_matrix(world, key):
    attempt, allowed_roles = ROWS[key]
    actual = {role for role in ROLES if _allowed(attempt, world, world.users[role])}
    assert actual == set(allowed_roles), (
        f"{key}: unexpectedly allowed {sorted(actual - set(allowed_roles))}, "
        f"unexpectedly refused {sorted(set(allowed_roles) - actual)}"
    )
