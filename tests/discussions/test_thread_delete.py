# ruff: noqa: F811
"""Deleting a thread (and restoring it): moderators of its category with a second factor, with a
reason, audited; the category's counters and open pages follow. The admin's actions call the same
services."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from forum.accounts.permissions import SecondFactorRequired
from forum.audit.models import AuditEntry
from forum.discussions import events, permissions, services
from forum.discussions.models import Thread
from tests.notifications.factories import listen  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(make_user, give_mfa):
    return give_mfa(make_user(role="moderator"))


def test_a_moderator_deletes_a_thread_with_a_reason_and_it_is_audited(make_thread, make_post, moderator,
                                                                      make_user, listen,
                                                                      django_capture_on_commit_callbacks):
    member = make_user()
    thread = make_thread()
    make_post(thread=thread)
    page = listen(events.thread_group(thread.pk))
    with django_capture_on_commit_callbacks(execute=True):
        services.thread_delete(actor=moderator, thread=thread, reason="Duplicate of another thread")
    stored = Thread.objects.get(pk=thread.pk)
    assert stored.deleted_at is not None
    entry = AuditEntry.objects.get(verb="thread.delete")
    assert (entry.actor, entry.target_id, entry.reason) == (moderator, str(thread.pk), "Duplicate of another thread")
    assert entry.data == {"category": thread.category_id, "posts": 2}
    [changed] = page.events()
    assert changed["type"] == events.THREAD_CHANGED and changed["deleted"] is True
    assert not permissions.allows(permissions.check_view_thread, member, stored)
    assert permissions.allows(permissions.check_view_thread, moderator, stored)
    services.thread_delete(actor=moderator, thread=stored, reason="Again")  # already deleted: nothing more
    assert AuditEntry.objects.filter(verb="thread.delete").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.thread_restore(actor=moderator, thread=stored)
    assert Thread.objects.get(pk=thread.pk).deleted_at is None
    assert AuditEntry.objects.filter(verb="thread.restore", target_id=str(thread.pk)).exists()
    [changed] = page.events()
    assert changed["deleted"] is False
    assert permissions.allows(permissions.check_view_thread, member, Thread.objects.get(pk=thread.pk))


def test_deleting_needs_a_reason(make_thread, moderator):
    thread = make_thread()
    with pytest.raises(ValidationError) as refused:
        services.thread_delete(actor=moderator, thread=thread, reason="  ")
    assert "reason" in refused.value.message_dict
    assert Thread.objects.get(pk=thread.pk).deleted_at is None
    assert not AuditEntry.objects.exists()


def test_members_authors_and_moderators_without_a_second_factor_cannot_delete(make_thread, make_user,
                                                                              make_category):
    author = make_user()
    thread = make_thread(author=author)
    with pytest.raises(PermissionDenied):
        services.thread_delete(actor=author, thread=thread, reason="Mine")
    with pytest.raises(SecondFactorRequired):
        services.thread_delete(actor=make_user(role="moderator"), thread=thread, reason="Spam")
    appointed = make_user()
    other = make_category(moderators=[appointed])
    with pytest.raises(PermissionDenied):
        services.thread_delete(actor=appointed, thread=thread, reason="Not my category")
    assert other.pk != thread.category_id
    assert Thread.objects.get(pk=thread.pk).deleted_at is None


def test_a_member_cannot_restore_a_deleted_thread_nor_learn_it_exists(make_thread, make_user, moderator):
    thread = make_thread()
    services.thread_delete(actor=moderator, thread=thread, reason="Spam")
    with pytest.raises(Http404):
        services.thread_restore(actor=make_user(), thread=Thread.objects.get(pk=thread.pk))
    assert Thread.objects.get(pk=thread.pk).deleted_at is not None


def test_the_admin_deletes_and_restores_through_the_services(client, make_user, give_mfa, make_thread, listen,
                                                             django_capture_on_commit_callbacks):
    admin = give_mfa(make_user(role="admin"))
    thread = make_thread()
    page = listen(events.thread_group(thread.pk))
    client.force_login(admin)
    url = reverse("admin:discussions_thread_changelist")
    response = client.post(url, {"action": "delete_threads", "_selected_action": [thread.pk], "reason": ""})
    assert response.status_code == 302
    assert Thread.objects.get(pk=thread.pk).deleted_at is None  # no reason: refused, nothing changed
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "delete_threads", "_selected_action": [thread.pk],
                                     "reason": "Spam"})
    assert response.status_code == 302
    assert Thread.objects.get(pk=thread.pk).deleted_at is not None
    assert AuditEntry.objects.get(verb="thread.delete").actor == admin
    assert [e["deleted"] for e in page.events()] == [True]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "restore_threads", "_selected_action": [thread.pk], "reason": ""})
    assert Thread.objects.get(pk=thread.pk).deleted_at is None
    assert AuditEntry.objects.get(verb="thread.restore").actor == admin
    assert [e["deleted"] for e in page.events()] == [False]


def test_the_admin_neither_edits_nor_erases_threads(client, make_user, give_mfa, make_thread):
    admin = give_mfa(make_user(role="admin"))
    thread = make_thread(title="Original")
    client.force_login(admin)
    change = reverse("admin:discussions_thread_change", args=[thread.pk])
    assert client.get(change).status_code == 200  # for looking things up
    client.post(change, {"title": "Changed", "category": thread.category_id, "author": thread.author_id})
    assert client.post(reverse("admin:discussions_thread_delete", args=[thread.pk]), {"post": "yes"}).status_code == 403
    assert Thread.objects.get(pk=thread.pk).title == "Original"


def test_the_thread_page_sends_a_moderator_to_delete_and_restore_under_a_rule(client, make_thread, moderator):
    """No rule-free door: the thread page links to the moderation app's page (tested there), and the
    old addresses are gone."""
    thread = make_thread()
    client.force_login(moderator)
    page = client.get(thread.get_absolute_url()).content.decode()
    page_url = reverse("moderation:thread", kwargs={"thread_id": thread.pk})
    assert f'href="{page_url}#delete"' in page
    assert client.post(f"/t/{thread.pk}/delete/", {"reason": "Spam"}).status_code == 404
    services.thread_delete(actor=moderator, thread=thread, reason="Spam")
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "This thread was deleted." in page and f'href="{page_url}#restore"' in page
    assert client.post(f"/t/{thread.pk}/restore/").status_code == 404
    assert Thread.objects.get(pk=thread.pk).deleted_at is not None
