"""manage.py rerender_posts: stored HTML brought up to the current rich-text policy."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from forum.core.richtext import render_post
from forum.discussions.models import Post


def run(*args) -> str:
    out = StringIO()
    call_command("rerender_posts", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def posts(make_thread, make_post):
    thread = make_thread(source="Opening **post**")
    made = [make_post(thread=thread, source=f"Reply {i} with https://example.org/{i}") for i in range(4)]
    from forum.search.services import index_pending

    index_pending()  # written a while ago: the worker built their search documents
    return [thread.posts.get(depth=0), *made]


def make_stale(post, html):
    Post.objects.filter(pk=post.pk).update(html=html)


def test_dry_run_counts_what_would_change_and_writes_nothing(posts):
    stale = '<p style="background:url(https://tracker.example/x)">old policy</p>'
    make_stale(posts[1], stale)
    make_stale(posts[3], "<p>old</p>")
    output = run("--dry-run")
    assert "2 of 5 posts would change" in output
    assert Post.objects.get(pk=posts[1].pk).html == stale


def test_rerender_rewrites_stale_posts_with_the_current_policy(posts):
    make_stale(posts[1], '<p><img src="https://tracker.example/x.png"></p>')
    make_stale(posts[2], "<p>old</p>")
    output = run()
    assert "Re-rendered 5 posts: 2 changed, 3 already up to date." in output
    for post in Post.objects.filter(pk__in=[p.pk for p in posts]):
        assert post.html == render_post(post.source)
    assert "2 changed" not in run() and "0 changed" in run()


def test_rerender_links_mentions_of_active_members(make_thread, make_user):
    sara = make_user(role="member", display_name="Sara")
    thread = make_thread(source="Thanks @sara")
    post = thread.posts.get(depth=0)
    make_stale(post, "<p>Thanks @sara</p>")
    run()
    post.refresh_from_db()
    assert f'href="{sara.get_absolute_url()}" class="mention"' in post.html


def test_rerender_reads_and_writes_in_batches(posts, django_assert_max_num_queries):
    for post in posts:
        make_stale(post, "<p>old</p>")
    # 5 posts, batches of 2: one chunked read, then per batch (3): a savepoint pair, one bulk UPDATE
    # of the HTML, one SELECT of the notifications quoting them (with its savepoint pair), one SELECT
    # of the posts to re-index; per changed post, one UPDATE of its search document. Nothing per
    # unchanged post.
    batches, changed = 3, 5
    with django_assert_max_num_queries(1 + batches * 7 + changed):
        output = run("--batch-size", "2")
    assert "5 changed" in output
    assert all(p.html == render_post(p.source) for p in Post.objects.all())


def test_rerender_costs_one_read_when_nothing_changed(posts, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert "0 changed" in run("--batch-size", "2")


def test_rerender_of_an_empty_forum_reports_zero(db):
    assert "Re-rendered 0 posts: 0 changed" in run()


def test_rerender_repairs_a_post_stored_with_another_posts_text(posts, make_user):
    """The shared-Cleaner race stored restricted text in public posts, and some posts empty: the
    command puts back each post's own text, and what quotes or indexes it follows."""
    from forum.notifications.models import Notification
    from forum.notifications.services import notify
    from forum.search.models import SearchDocument

    leaked, emptied = posts[1], posts[2]
    secret = "<p>restricted board minutes</p>"
    make_stale(leaked, secret)
    make_stale(emptied, "")
    reader = make_user(role="member")
    notify(recipient=reader, kind="reply", actor=leaked.author, url=leaked.get_absolute_url(),
           data={"excerpt": "restricted board minutes", "thread_id": leaked.thread_id}, key=f"post:{leaked.pk}")
    SearchDocument.objects.filter(post_id=leaked.pk).update(body_text="restricted board minutes")

    assert "2 changed" in run()

    leaked.refresh_from_db()
    emptied.refresh_from_db()
    assert leaked.html == render_post(leaked.source) and "restricted" not in leaked.html
    assert emptied.html == render_post(emptied.source) and emptied.html
    excerpt = Notification.objects.get(recipient=reader, key=f"post:{leaked.pk}").data["excerpt"]
    assert "restricted" not in excerpt and "Reply 0" in excerpt
    body = SearchDocument.objects.get(post_id=leaked.pk).body_text
    assert "restricted" not in body and "Reply 0" in body


def test_rerender_keeps_an_excerpt_that_was_forgotten_empty(posts, make_user):
    from forum.notifications.models import Notification
    from forum.notifications.services import notify

    post = posts[1]
    reader = make_user(role="member")
    notify(recipient=reader, kind="reply", actor=post.author, url=post.get_absolute_url(),
           data={"excerpt": ""}, key=f"post:{post.pk}")
    make_stale(post, "<p>old</p>")
    run()
    assert Notification.objects.get(recipient=reader, key=f"post:{post.pk}").data["excerpt"] == ""
