"""What a thread page request costs in queries and writes (issue #11 §2), pinned.

A re-read (nothing new) costs exactly WHOLE_REQUEST_QUERIES statements whatever the page size and
writes nothing; a visit that sees new posts writes its read state in one statement (an upsert that
only moves the mark forward); permission answers are computed once per request.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum.discussions import permissions
from forum.discussions.models import ReadState
from forum.notifications.models import Notification

from .test_views import _long_thread, login

# Session, user; thread; restrictions; categories (+ appointments); membership; posts; reactions;
# the reader's first unread post; the header's notification badge; the watch/track/mute control.
WHOLE_REQUEST_QUERIES = 11
WRITE_RE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def _writes(ctx):
    return [q["sql"] for q in ctx.captured_queries if WRITE_RE.match(q["sql"])]


@pytest.mark.parametrize("size", [10, 120])
def test_a_reread_costs_eleven_queries_at_any_size_and_writes_nothing(client, make_thread, make_post,
                                                                      make_user, member, settings, size):
    settings.FORUM_POSTS_PER_PAGE = size
    thread = _long_thread(size=size, make_thread=make_thread, make_post=make_post, make_user=make_user,
                          author=member)
    login(client, member)
    client.get(thread.get_absolute_url())  # the first visit records the mark and opens the view-count window
    Notification.objects.filter(recipient=member).update(read_at=timezone.now())
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(thread.get_absolute_url())
    assert response.content.decode().count('class="post depth-') == size
    assert _writes(ctx) == []
    assert len(ctx.captured_queries) == WHOLE_REQUEST_QUERIES, "\n".join(q["sql"][:100] for q in ctx.captured_queries)
    # With an unread notification naming a thread, the badge asks whether the member may still read
    # it (`notifications.permissions.readable_counts`): one query more, still constant in page size.
    Notification.objects.create(recipient=member, kind=Notification.Kind.WATCHED, url="/",
                                data={"thread_id": thread.pk, "post_id": 0})
    with CaptureQueriesContext(connection) as ctx:
        client.get(thread.get_absolute_url())
    assert _writes(ctx) == []
    assert len(ctx.captured_queries) == WHOLE_REQUEST_QUERIES + 1


def test_a_visit_with_new_posts_writes_its_read_state_in_one_statement(client, make_thread, make_post,
                                                                       make_user, member):
    thread = make_thread(author=make_user())
    login(client, member)
    # First visit ever: the row is created by the one statement.
    with CaptureQueriesContext(connection) as first:
        client.get(thread.get_absolute_url())
    read_state_writes = [sql for sql in _writes(first) if ReadState._meta.db_table in sql]
    assert len(read_state_writes) == 1
    mark = ReadState.objects.get(user=member, thread=thread).last_read_post_id
    # New posts since: the same row moves forward, again in one statement.
    newest = make_post(thread=thread, author=make_user())
    with CaptureQueriesContext(connection) as second:
        client.get(thread.get_absolute_url())
    read_state_writes = [sql for sql in _writes(second) if ReadState._meta.db_table in sql]
    assert len(read_state_writes) == 1
    assert ReadState.objects.get(user=member, thread=thread).last_read_post_id == newest.pk > mark
    assert ReadState.objects.filter(user=member, thread=thread).count() == 1


def test_the_mark_never_moves_back(member, make_thread, make_post, make_user):
    from forum.discussions import unread

    thread = make_thread(author=make_user())
    late = make_post(thread=thread, author=make_user())
    assert unread.mark_read(user=member, thread=thread, last_post_id=late.pk)
    from django.core.cache import cache

    cache.clear()  # the remembered mark would spare the statement; the database must hold on its own
    unread.mark_read(user=member, thread=thread, last_post_id=late.pk - 1)
    assert ReadState.objects.get(user=member, thread=thread).last_read_post_id == late.pk


def test_check_view_thread_is_computed_once_per_request_and_thread_state(member, make_thread, monkeypatch):
    from forum.accounts.models import User

    thread = make_thread(author=member)
    user = User.objects.get(pk=member.pk)
    calls = []
    real = permissions._check_view_thread
    monkeypatch.setattr(permissions, "_check_view_thread", lambda u, t: calls.append(t.pk) or real(u, t))
    for _ in range(5):
        permissions.check_view_thread(user, thread)
        permissions.check_reply_to_thread(user, thread)
    assert calls == [thread.pk]
    # Another user object (the next request) asks afresh: nothing is shared between requests.
    permissions.check_view_thread(User.objects.get(pk=member.pk), thread)
    assert calls == [thread.pk, thread.pk]


def test_a_thread_deleted_in_the_request_is_asked_again(member, make_user, make_thread):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404
    from django.utils import timezone

    from forum.accounts.models import User

    thread = make_thread(author=make_user())
    reader = User.objects.get(pk=member.pk)
    permissions.check_view_thread(reader, thread)
    thread.deleted_at = timezone.now()  # the same object, changed within the request
    with pytest.raises(Http404):
        permissions.check_view_thread(reader, thread)
    with pytest.raises((Http404, PermissionDenied)):
        permissions.check_reply_to_thread(reader, thread)


def test_a_suspension_within_the_request_is_seen(member, make_user, make_thread):
    from django.http import Http404

    from forum.accounts import permissions as accounts
    from forum.accounts.models import Restriction, User

    thread = make_thread(author=make_user())
    reader = User.objects.get(pk=member.pk)
    permissions.check_view_thread(reader, thread)
    Restriction.objects.create(user=reader, kind="suspension", scope="site", reason="test")
    accounts.forget(reader)  # what the sanction services do after a change in the same request
    with pytest.raises(Http404):
        permissions.check_view_thread(reader, thread)


def test_a_new_post_since_the_last_visit_is_still_marked(client, make_thread, make_post, make_user, member):
    thread = make_thread(author=make_user())
    login(client, member)
    client.get(thread.get_absolute_url())  # seen up to the opening post (and remembered)
    new = make_post(thread=thread, author=make_user(), source="Something new")
    html = client.get(thread.get_absolute_url()).content.decode()
    assert 'id="unread"' in html and html.index('id="unread"') < html.index(f'id="post-{new.pk}"')
    # Seen now: the next visit shows no marker, and asks nothing about it.
    html = client.get(thread.get_absolute_url()).content.decode()
    assert 'id="unread"' not in html


def test_a_thread_read_to_its_end_skips_the_first_unread_look_up(client, make_thread, make_post, make_user,
                                                                 member):
    thread = make_thread(author=make_user())
    make_post(thread=thread, author=make_user())
    login(client, member)
    client.get(thread.get_absolute_url())  # the whole thread is on this page: the mark reaches its end
    with CaptureQueriesContext(connection) as ctx:
        client.get(thread.get_absolute_url())
    assert _writes(ctx) == []
    assert len(ctx.captured_queries) == WHOLE_REQUEST_QUERIES - 1
