"""Stored counters always equal a recount, whatever sequence of writes led there.

What is counted (docs/threads.md): a thread's replies are its posts below the opening post that are
neither deleted nor hidden; a category's posts are the posts of its threads that are not deleted
(opening posts included) that are neither deleted nor hidden; a category's threads are the threads
in it that are not deleted.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum.categories.models import Category
from forum.discussions import services
from forum.discussions.models import Post, Thread

pytestmark = pytest.mark.django_db


def _stored():
    return ({t.pk: t.reply_count for t in Thread.objects.all()},
            {c.pk: (c.thread_count, c.post_count) for c in Category.objects.all()})


def _recounted():
    """The counters from the rows themselves, in plain Python (not the code under test)."""
    threads = {t.pk: t for t in Thread.objects.all()}
    replies = dict.fromkeys(threads, 0)
    categories = {c.pk: [0, 0] for c in Category.objects.all()}
    for thread in threads.values():
        if thread.deleted_at is None:
            categories[thread.category_id][0] += 1
    for post in Post.objects.all():
        if post.deleted_at is None and post.hidden_at is None:
            thread = threads[post.thread_id]
            if thread.deleted_at is None:
                categories[thread.category_id][1] += 1
            if post.depth > 0:
                replies[post.thread_id] += 1
    return replies, {pk: tuple(counts) for pk, counts in categories.items()}


_index = st.integers(min_value=0, max_value=1_000)
operations = st.lists(st.one_of(
    st.tuples(st.just("thread"), _index, _index),   # author, category
    st.tuples(st.just("reply"), _index, _index),    # thread, parent post (or the opening post)
    st.tuples(st.just("delete"), _index),           # a post, by its author
    st.tuples(st.just("hide"), _index),             # a post, by a moderator
    st.tuples(st.just("unhide"), _index),
    st.tuples(st.just("move"), _index, _index),     # a thread, to a category
    st.tuples(st.just("delete_thread"), _index),    # a thread, by a moderator
    st.tuples(st.just("restore_thread"), _index),
), min_size=1, max_size=25)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(ops=operations)
def test_counters_equal_a_recount_after_any_sequence_of_writes(ops, make_user, make_category, give_mfa):
    members = [make_user() for _ in range(2)]
    moderator = give_mfa(make_user(role="moderator"))
    categories = [make_category() for _ in range(3)]
    threads = [services.thread_create(author=members[0], category=categories[0], title="First", source="Hello")]
    for op in ops:
        kind = op[0]
        posts = list(Post.objects.filter(thread__in=threads).order_by("pk"))
        try:
            if kind == "thread":
                threads.append(services.thread_create(author=members[op[1] % 2], category=categories[op[2] % 3],
                                                      title="A thread", source="Opening"))
            elif kind == "reply":
                thread = Thread.objects.get(pk=threads[op[1] % len(threads)].pk)
                own = [p for p in posts if p.thread_id == thread.pk]
                services.post_create(author=members[op[2] % 2], thread=thread, source="A reply",
                                     parent=own[op[2] % len(own)])
            elif kind == "delete":
                post = posts[op[1] % len(posts)]
                services.post_delete(actor=post.author, post=post)
            elif kind in ("hide", "unhide"):
                services.post_hide(actor=moderator, post=posts[op[1] % len(posts)], reason="Off topic",
                                   hidden=kind == "hide")
            elif kind == "move":
                thread = Thread.objects.get(pk=threads[op[1] % len(threads)].pk)
                services.thread_move(actor=moderator, thread=thread, category=categories[op[2] % 3],
                                     reason="Belongs there")
            elif kind == "delete_thread":
                services.thread_delete(actor=moderator, thread=Thread.objects.get(pk=threads[op[1] % len(threads)].pk),
                                       reason="Duplicate")
            elif kind == "restore_thread":
                services.thread_restore(actor=moderator, thread=Thread.objects.get(pk=threads[op[1] % len(threads)].pk))
        except (PermissionDenied, ValidationError, Http404):
            pass  # refused (a deleted post, the same category, a hidden parent, a deleted thread): nothing changed
        assert _stored() == _recounted(), op


def test_a_deleted_thread_leaves_its_categorys_counts_and_comes_back_on_restore(
        make_thread, make_post, make_category, make_user, give_mfa):
    moderator = give_mfa(make_user(role="moderator"))
    category, elsewhere = make_category(), make_category()
    thread = make_thread(category=category)
    make_post(thread=thread)
    services.post_hide(actor=moderator, post=make_post(thread=thread), reason="Spam")
    make_thread(category=category)
    services.thread_delete(actor=moderator, thread=thread, reason="Duplicate")
    category.refresh_from_db()
    assert (category.thread_count, category.post_count) == (1, 1)
    # What happens to a deleted thread does not count anywhere: a hide, a move.
    services.post_hide(actor=moderator, post=Post.objects.filter(thread=thread, depth=1).first(), reason="Spam")
    services.thread_move(actor=moderator, thread=Thread.objects.get(pk=thread.pk), category=elsewhere, reason="x")
    assert _stored() == _recounted()
    services.thread_restore(actor=moderator, thread=Thread.objects.get(pk=thread.pk))
    elsewhere.refresh_from_db()
    assert (elsewhere.thread_count, elsewhere.post_count) == (1, 1)  # the opening post; both replies hidden
    assert _stored() == _recounted()


def test_deleting_a_post_lowers_its_categorys_post_count(make_thread, make_post, make_category):
    category = make_category()
    thread = make_thread(category=category)
    reply = make_post(thread=thread)
    services.post_delete(actor=reply.author, post=reply)
    category.refresh_from_db()
    assert category.post_count == 1


def test_a_thread_moved_after_a_delete_and_a_hide_leaves_both_categories_right(make_thread, make_post,
                                                                                make_category, make_user,
                                                                                give_mfa):
    moderator = give_mfa(make_user(role="moderator"))
    source, target = make_category(), make_category()
    thread = make_thread(category=source)
    deleted, hidden, _kept = make_post(thread=thread), make_post(thread=thread), make_post(thread=thread)
    services.post_delete(actor=deleted.author, post=deleted)
    services.post_hide(actor=moderator, post=hidden, reason="Personal data")
    services.thread_move(actor=moderator, thread=Thread.objects.get(pk=thread.pk), category=target, reason="x")
    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.thread_count, source.post_count) == (0, 0)
    assert (target.thread_count, target.post_count) == (1, 2)  # the opening post and `_kept`
    assert Thread.objects.get(pk=thread.pk).reply_count == 1


def test_hiding_then_showing_the_opening_post_changes_only_the_category_count(make_thread, make_category,
                                                                             make_user, give_mfa, root_of):
    moderator = give_mfa(make_user(role="moderator"))
    category = make_category()
    thread = make_thread(category=category)
    services.post_hide(actor=moderator, post=root_of(thread), reason="Spam")
    category.refresh_from_db()
    assert category.post_count == 0 and Thread.objects.get(pk=thread.pk).reply_count == 0
    services.post_hide(actor=moderator, post=root_of(thread), reason="", hidden=False)
    category.refresh_from_db()
    assert category.post_count == 1


def test_recount_command_repairs_counters_that_drifted_before(make_thread, make_post, make_category, make_user,
                                                              give_mfa):
    import io

    from django.core.management import call_command

    moderator = give_mfa(make_user(role="moderator"))
    source, target = make_category(), make_category()
    thread = make_thread(category=source)
    make_post(thread=thread)
    services.post_hide(actor=moderator, post=make_post(thread=thread), reason="Spam")
    make_thread(category=target)
    expected = _recounted()
    Category.objects.update(thread_count=7, post_count=99)  # as old code or an admin edit left them
    Thread.objects.filter(pk=thread.pk).update(reply_count=5)
    out = io.StringIO()
    call_command("recount_counters", stdout=out)
    assert _stored() == _recounted() == expected
    assert "1 threads and 2 categories corrected." in out.getvalue()
    call_command("recount_counters", stdout=out)
    assert "0 threads and 0 categories corrected." in out.getvalue()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_moderators_hiding_the_same_post_at_once_count_it_once(make_thread, make_post, make_category,
                                                                   make_user, give_mfa):
    import threading

    from django.db import connection, connections

    from tests.conftest import require_service

    require_service(connection.vendor == "postgresql", "PostgreSQL")
    moderators = [give_mfa(make_user(role="moderator")) for _ in range(2)]
    thread = make_thread(category=make_category())
    make_post(thread=thread)
    target = make_post(thread=thread)
    copies = [Post.objects.get(pk=target.pk) for _ in moderators]  # each loaded while still visible
    barrier = threading.Barrier(2)

    def hide(moderator, post):
        try:
            barrier.wait()
            services.post_hide(actor=moderator, post=post, reason="Spam")
        finally:
            connections.close_all()

    workers = [threading.Thread(target=hide, args=pair) for pair in zip(moderators, copies, strict=True)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert _stored() == _recounted()
    assert Thread.objects.get(pk=thread.pk).reply_count == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second", ["hide", "move"])
def test_a_thread_deleted_while_a_post_is_hidden_or_the_thread_moved_counts_right(make_thread, make_post,
                                                                                  make_category, make_user,
                                                                                  give_mfa, second):
    import threading

    from django.db import connection, connections

    from tests.conftest import require_service

    require_service(connection.vendor == "postgresql", "PostgreSQL")
    moderators = [give_mfa(make_user(role="moderator")) for _ in range(2)]
    source, target = make_category(), make_category()
    thread = make_thread(category=source)
    post = make_post(thread=thread)
    barrier = threading.Barrier(2)

    def run(action):
        try:
            barrier.wait()
            action()
        finally:
            connections.close_all()

    delete = lambda: services.thread_delete(actor=moderators[0], thread=Thread.objects.get(pk=thread.pk),  # noqa: E731
                                            reason="Spam")
    other = {"hide": lambda: services.post_hide(actor=moderators[1], post=Post.objects.get(pk=post.pk), reason="x"),
             "move": lambda: services.thread_move(actor=moderators[1], thread=Thread.objects.get(pk=thread.pk),
                                                  category=target, reason="x")}[second]
    workers = [threading.Thread(target=run, args=(action,)) for action in (delete, other)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert Thread.objects.get(pk=thread.pk).deleted_at is not None
    assert _stored() == _recounted()
