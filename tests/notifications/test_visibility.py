"""Notifications show only what the reader may see now: once a thread moves where the reader cannot
go, its title and excerpt leave the list, the unread badge and the emails not yet sent."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from forum.notifications import emails, outbox, selectors, services
from forum.notifications.models import Notification, NotificationPreference
from tests.discussions.factories import give_mfa  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Safe-house addresses in Idlib"
SECRET_EXCERPT = "the meeting point is behind the bakery"


@pytest.fixture
def world(make_user, make_category, make_thread, give_mfa):  # noqa: F811 - the fixture
    """A member with a notification about a thread in an open category, an admin who may move it,
    and a restricted category the member cannot see."""
    reader = make_user(role="member", email="reader@example.org")
    author = make_user(role="member", display_name="Author")
    admin = give_mfa(make_user(role="admin"))
    open_category = make_category()
    secret = make_category(visibility="restricted")
    thread = make_thread(author=author, category=open_category, title=SECRET_TITLE)
    return type("World", (), {"reader": reader, "author": author, "admin": admin, "open": open_category,
                              "secret": secret, "thread": thread})


def _notice(world, *, key="post:1", kind="reply"):
    return services.notify(recipient=world.reader, kind=kind, actor=world.author, url=world.thread.get_absolute_url(),
                           data={"thread_title": world.thread.title, "thread_id": world.thread.pk, "post_id": 1,
                                 "excerpt": SECRET_EXCERPT, "group": f"thread:{world.thread.pk}"}, key=key)


def _move(world, category):
    from forum.discussions import services as discussions

    discussions.thread_move(actor=world.admin, thread=world.thread, category=category)


def _other(world, key="system:1"):
    """A notice about nothing the reader could lose (no thread)."""
    return services.notify(recipient=world.reader, kind="system", actor=None, url="/", data={"excerpt": "hello"},
                           key=key)


def test_the_list_and_badge_leave_out_a_thread_that_moved_out_of_reach(client, world):
    _notice(world)
    _other(world)
    client.force_login(world.reader)
    html = client.get(reverse("notifications:index")).content.decode()
    assert SECRET_TITLE in html and SECRET_EXCERPT in html and '<span class="badge">2</span>' in html

    _move(world, world.secret)
    html = client.get(reverse("notifications:index")).content.decode()
    assert SECRET_TITLE not in html and SECRET_EXCERPT not in html
    assert '<span class="badge">1</span>' in html
    assert selectors.unread_count(world.reader) == 1
    assert services.unread_counts([world.reader.pk]) == {world.reader.pk: 1}  # what open pages are sent

    _move(world, world.open)  # access back: the notice is back
    assert SECRET_TITLE in client.get(reverse("notifications:index")).content.decode()
    assert selectors.unread_count(world.reader) == 2


def test_a_notification_about_an_unreachable_thread_cannot_be_opened(client, world):
    from django.http import Http404

    from forum.notifications import permissions

    notification = _notice(world)
    _move(world, world.secret)
    client.force_login(world.reader)
    response = client.get(reverse("notifications:open", kwargs={"notification_id": notification.pk}))
    assert response.status_code == 404
    with pytest.raises(Http404):
        permissions.check_view_notification(world.reader, notification)
    assert not permissions.visible_notifications(world.reader, Notification.objects.all()).exists()


def test_check_and_queryset_agree_before_and_after_the_move(world, make_user):
    from forum.notifications import permissions
    from forum.notifications.permissions import visible_notifications

    mine = _notice(world)
    other = _other(world)
    for moved in (False, True):
        if moved:
            _move(world, world.secret)
        listed = set(visible_notifications(world.reader, Notification.objects.all()).values_list("pk", flat=True))
        for notification in (mine, other):
            allowed = True
            try:
                permissions.check_view_notification(world.reader, notification)
            except Exception:  # noqa: BLE001 - Http404 or PermissionDenied: refused either way
                allowed = False
            assert allowed == (notification.pk in listed)


def test_a_suspended_member_sees_no_thread_notifications(world):
    from forum.accounts.models import Restriction

    _notice(world)
    Restriction.objects.create(user=world.reader, kind="suspension", scope="site", reason="test")
    assert services.unread_counts([world.reader.pk]) == {world.reader.pk: 0}


def test_an_immediate_email_not_yet_sent_is_not_sent_once_the_thread_moved(world, settings):
    settings.FORUM_EMAIL_WORKER = "off"  # the rows wait in the outbox
    _notice(world, key="post:1")
    _notice(world, key="post:2", kind="mention")
    _move(world, world.secret)
    mail.outbox.clear()
    outbox.send_due()
    assert mail.outbox == []
    assert not Notification.objects.filter(email_due_at__isnull=False).exists()  # left the outbox, unsent
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()


def test_an_immediate_email_still_goes_out_for_a_thread_the_reader_may_see(world, settings):
    settings.FORUM_EMAIL_WORKER = "off"
    _notice(world)
    outbox.send_due()
    assert len(mail.outbox) == 1 and SECRET_TITLE in mail.outbox[0].body


def test_the_digest_leaves_out_a_thread_that_moved_out_of_reach(world):
    services.preference_set(actor=world.reader, email="daily")
    NotificationPreference.objects.filter(user=world.reader).update(last_digest_at=None)
    _notice(world)
    _other(world)
    _move(world, world.secret)
    mail.outbox.clear()
    assert emails.send_digests() == 1
    body = mail.outbox[0].body
    assert SECRET_TITLE not in body and SECRET_EXCERPT not in body and "hello" in body


def test_the_digest_is_not_sent_when_only_unreachable_threads_are_pending(world):
    services.preference_set(actor=world.reader, email="daily")
    _notice(world)
    _move(world, world.secret)
    mail.outbox.clear()
    assert emails.send_digests() == 0 and mail.outbox == []


@pytest.mark.parametrize("threads", [1, 6])
def test_badge_counts_of_many_members_cost_the_same_queries_for_few_or_many_threads(
        world, make_user, make_thread, threads, django_assert_max_num_queries):
    readers = [make_user(role="member") for _ in range(5)]
    for n in range(threads):
        thread = make_thread(author=world.author, category=world.open)
        for reader in readers:
            services.notify(recipient=reader, kind="watched", actor=world.author, url="/x/",
                            data={"thread_id": thread.pk, "thread_title": thread.title}, key=f"post:{thread.pk}")
    # users, the grouped count, threads, restrictions, memberships, category facts (3 at most)
    with django_assert_max_num_queries(9):
        counts = services.unread_counts([r.pk for r in readers])
    assert counts == {r.pk: threads for r in readers}
