"""Read marks, "new since your last visit", jump to first unread, and unread counts in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum.discussions import activity, services, subscriptions, unread
from forum.discussions.models import ReadState

pytestmark = pytest.mark.django_db


def test_the_mark_only_moves_forward(make_thread, make_post, make_user):
    lina = make_user()
    thread = make_thread()
    posts = [make_post(thread=thread) for _ in range(3)]
    activity.on_thread_viewed(user=lina, thread=thread, last_post_id=posts[2].pk)
    activity.on_thread_viewed(user=lina, thread=thread, last_post_id=posts[0].pk)
    assert ReadState.objects.get(user=lina, thread=thread).last_read_post_id == posts[2].pk


def test_viewing_again_costs_no_query(make_thread, make_user, django_assert_num_queries):
    lina = make_user()
    thread = make_thread()
    unread.mark_read(user=lina, thread=thread, last_post_id=thread.last_post_id)
    with django_assert_num_queries(0):
        unread.mark_read(user=lina, thread=thread, last_post_id=thread.last_post_id)


def test_first_unread_is_the_first_post_after_the_last_visit(make_thread, make_post, make_user):
    lina = make_user()
    thread = make_thread()
    assert unread.first_unread_post_id(lina, thread) is None  # never opened: no marker
    seen = make_post(thread=thread)
    unread.mark_read(user=lina, thread=thread, last_post_id=seen.pk)
    assert unread.first_unread_post_id(lina, thread) is None  # all seen
    make_post(thread=thread, author=lina)  # one's own post is not news
    later = make_post(thread=thread)
    make_post(thread=thread)
    assert unread.first_unread_post_id(lina, thread) == later.pk


def test_jump_to_first_unread(client, make_thread, make_post, member):
    thread = make_thread()
    client.force_login(member)
    url = reverse("discussions:thread_unread", args=[thread.pk])
    assert client.get(url)["Location"] == thread.get_absolute_url()
    unread.mark_read(user=member, thread=thread, last_post_id=thread.last_post_id)
    new = make_post(thread=thread)
    assert client.get(url)["Location"] == reverse("discussions:post", kwargs={"post_id": new.pk})


def test_jump_to_first_unread_hides_unreadable_threads(client, make_thread, make_user, make_category,
                                                      make_organisation, member, give_mfa):
    hidden = make_thread(category=make_category(visibility="restricted",
                                                allowed_organisations=[make_organisation()]),
                         author=give_mfa(make_user(role="admin")))
    client.force_login(member)
    assert client.get(reverse("discussions:thread_unread", args=[hidden.pk])).status_code == 404


def test_unread_counts_skip_own_removed_and_muted_posts(make_thread, make_post, make_user):
    lina, omar = make_user(), make_user()
    read, fresh, muted, never = (make_thread(author=omar) for _ in range(4))
    unread.mark_read(user=lina, thread=read, last_post_id=read.last_post_id)
    unread.mark_read(user=lina, thread=fresh, last_post_id=fresh.last_post_id)
    make_post(thread=fresh, author=lina)  # replying marks the thread read up to one's reply
    make_post(thread=fresh, author=omar)
    gone = make_post(thread=fresh, author=omar)
    services.post_delete(actor=omar, post=gone)
    make_post(thread=muted, author=omar)
    subscriptions.subscription_set(actor=lina, thread=muted, level="mute")
    make_post(thread=never, author=omar)
    counts = unread.unread_counts(lina, [read.pk, fresh.pk, muted.pk, never.pk])
    assert counts == {read.pk: 0, fresh.pk: 1, muted.pk: 0, never.pk: 2}


def _measure(fn):
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return result, len(ctx.captured_queries)


@pytest.mark.parametrize("size", [3, 15])
def test_unread_counts_cost_one_query_whatever_the_number_of_threads(make_thread, make_post, make_user, size,
                                                                   django_assert_num_queries):
    lina, omar = make_user(), make_user()
    threads = [make_thread(author=omar) for _ in range(size)]
    for thread in threads:
        make_post(thread=thread, author=omar)
    with django_assert_num_queries(1):
        counts = unread.unread_counts(lina, [t.pk for t in threads])
    assert set(counts.values()) == {2}


@pytest.mark.parametrize("size", [2, 10])
def test_category_unread_counts_cost_a_constant_number_of_queries(make_thread, make_post, make_user,
                                                                 make_category, size, django_assert_num_queries):
    from forum.discussions import permissions

    lina, omar = make_user(), make_user()
    categories = [make_category() for _ in range(size)]
    for category in categories:
        thread = make_thread(author=omar, category=category)
        make_post(thread=thread, author=omar)
        unread.mark_read(user=lina, thread=thread, last_post_id=thread.last_post_id)
        make_post(thread=thread, author=omar)
        make_thread(author=omar, category=category)
    permissions.visible_threads(lina)  # the page has loaded the member's visibility facts already
    with django_assert_num_queries(1):
        counts = unread.category_unread_counts(lina, [c.pk for c in categories])
    assert counts == {c.pk: 2 for c in categories}  # one new reply + one never-opened thread


def test_category_unread_counts_ignore_threads_the_member_cannot_see(make_thread, make_user, make_category,
                                                                    make_organisation, give_mfa):
    lina = make_user()
    restricted = make_category(visibility="restricted", allowed_organisations=[make_organisation()])
    make_thread(category=restricted, author=give_mfa(make_user(role="admin")))
    assert unread.category_unread_counts(lina, [restricted.pk]) == {restricted.pk: 0}


def test_visitors_get_zeros_for_no_query(make_thread, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    thread = make_thread()
    with django_assert_num_queries(0):
        assert unread.unread_counts(AnonymousUser(), [thread.pk]) == {thread.pk: 0}
        assert unread.category_unread_counts(AnonymousUser(), [thread.category_id]) == {thread.category_id: 0}


def test_reading_a_thread_marks_its_notifications_read_up_to_what_was_seen(make_thread, make_post, make_user,
                                                                         root_of):
    from forum.notifications.models import Notification

    lina, omar = make_user(), make_user()
    thread = make_thread(author=lina)
    other = make_thread(author=lina)
    seen = make_post(thread=thread, author=omar, parent=root_of(thread))
    later = make_post(thread=thread, author=omar, parent=root_of(thread))
    elsewhere = make_post(thread=other, author=omar, parent=root_of(other))
    activity.on_thread_viewed(user=lina, thread=thread, last_post_id=seen.pk)
    unread_keys = set(Notification.objects.filter(recipient=lina, read_at__isnull=True).values_list("key", flat=True))
    assert unread_keys == {f"post:{later.pk}", f"post:{elsewhere.pk}"}


def test_posts_older_than_the_unread_window_are_no_longer_counted(make_thread, make_post, make_user, settings):
    from datetime import timedelta

    from django.utils import timezone

    from forum.discussions.models import Post

    settings.FORUM_UNREAD_DAYS = 7
    lina, omar = make_user(), make_user()
    old, recent = make_thread(author=omar), make_thread(author=omar)
    Post.objects.filter(thread=old).update(created_at=timezone.now() - timedelta(days=8))
    make_post(thread=recent, author=omar)
    assert unread.unread_counts(lina, [old.pk, recent.pk]) == {old.pk: 0, recent.pk: 2}
    assert unread.category_unread_counts(lina, [old.category_id]) == {old.category_id: 0}


def test_first_unread_costs_one_query_and_none_for_visitors(make_thread, make_post, make_user,
                                                            django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    lina = make_user()
    thread = make_thread()
    unread.mark_read(user=lina, thread=thread, last_post_id=thread.last_post_id)
    new = make_post(thread=thread)
    with django_assert_num_queries(1):
        assert unread.first_unread_post_id(lina, thread) == new.pk
    with django_assert_num_queries(0):
        assert unread.first_unread_post_id(AnonymousUser(), thread) is None


def test_thread_page_marks_what_is_new_since_the_last_visit(client, make_thread, make_post, member):
    thread = make_thread()
    seen = make_post(thread=thread)
    client.force_login(member)
    first = client.get(thread.get_absolute_url()).content.decode()
    # Never opened before: no marker, no jump link.
    assert 'id="unread"' not in first
    assert reverse("discussions:thread_unread", args=[thread.pk]) not in first
    new = make_post(thread=thread)
    make_post(thread=thread)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert 'id="unread"' in html and "New since your last visit" in html
    # The marker stands right before the first new post, after the last one seen.
    assert html.index(f'id="post-{seen.pk}"') < html.index('id="unread"') < html.index(f'id="post-{new.pk}"')
    assert f'href="{reverse("discussions:thread_unread", args=[thread.pk])}"' in html
    # That view recorded the visit: nothing is new any more.
    again = client.get(thread.get_absolute_url()).content.decode()
    assert 'id="unread"' not in again


def test_thread_page_offers_the_watch_control(client, make_thread, member):
    thread = make_thread()
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    action = reverse("discussions:thread_subscription", args=[thread.pk])
    assert f'action="{action}"' in html and f'for="subscription-level-t{thread.pk}"' in html
    response = client.post(action, {"level": "mute", "next": thread.get_absolute_url()})
    assert response["Location"] == thread.get_absolute_url()
    assert subscriptions.thread_level(member, thread) == "mute"
    assert '<option value="mute" selected>' in client.get(thread.get_absolute_url()).content.decode()
