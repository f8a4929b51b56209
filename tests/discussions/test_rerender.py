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
    # 5 posts, batches of 2: one read (chunked) + three bulk updates (each a single UPDATE; on SQLite
    # wrapped in a savepoint pair), no query per post.
    with django_assert_max_num_queries(12):
        output = run("--batch-size", "2")
    assert "5 changed" in output
    assert all(p.html == render_post(p.source) for p in Post.objects.all())


def test_rerender_of_an_empty_forum_reports_zero(db):
    assert "Re-rendered 0 posts: 0 changed" in run()
