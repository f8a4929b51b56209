"""Pre-moderation and watched words over HTTP: the author's "awaiting review", the queue's held
items, approving, and the administrators' words page (translated refusals, nothing changed)."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from forum.categories.models import Category
from forum.discussions import services as discussions
from forum.discussions.models import Post, Thread
from forum.live import services as live
from forum.moderation.models import ReviewItem, WatchedWord

pytestmark = pytest.mark.django_db


@pytest.fixture
def premod(make_category):
    category = make_category(name="Detainees")
    Category.objects.filter(pk=category.pk).update(premoderate=True)
    category.refresh_from_db()
    return category


@pytest.fixture
def admin(make_user, give_mfa):
    return give_mfa(make_user(role="admin"))


@pytest.fixture
def held(premod, make_user):
    """A thread by one member (published: it was opened by a moderator) with another member's held reply."""
    opener = make_user(role="moderator")
    thread = discussions.thread_create(author=opener, category=premod, title="Wells of Idlib", source="Where?")
    writer = make_user(role="member", display_name="Omar")
    post = discussions.post_create(author=writer, thread=Thread.objects.get(pk=thread.pk), source="Held words")
    return post


def test_the_author_reads_awaiting_review_and_other_members_nothing(client, held, make_user):
    url = reverse("discussions:thread", kwargs={"thread_id": held.thread_id})
    client.force_login(held.author)
    body = client.get(url).content.decode()
    assert "Awaiting review" in body and "Held words" in body
    client.force_login(make_user(role="member"))
    body = client.get(url).content.decode()
    assert "Held words" not in body and "Awaiting review" not in body and f'id="post-{held.pk}"' not in body
    permalink = client.get(reverse("discussions:post", kwargs={"post_id": held.pk}))
    assert permalink.status_code == 404


def test_the_queue_shows_held_items_with_why_and_the_item_page_offers_approval(client, held, moderator):
    client.force_login(moderator)
    body = client.get(reverse("moderation:queue")).content.decode()
    assert "Awaiting approval" in body and "Pre-moderated place" in body and "Held words" in body
    item = ReviewItem.objects.get(kind="post", object_id=held.pk)
    body = client.get(reverse("moderation:item", kwargs={"item_id": item.pk})).content.decode()
    assert reverse("moderation:approve", kwargs={"item_id": item.pk}) in body and "Approve and publish" in body


def test_the_queue_with_held_posts_and_questions_costs_the_same_queries_for_2_and_8_items(
        client, premod, make_user, moderator, make_session):
    session = make_session(questions_held=True)
    thread = discussions.thread_create(author=moderator, category=premod, title="Water", source="Where?")
    client.force_login(moderator)
    url = reverse("moderation:queue")

    def add(n):
        for _ in range(n):
            member = make_user(role="member")
            discussions.post_create(author=member, thread=Thread.objects.get(pk=thread.pk), source="held")
            live.question_ask(actor=member, session=session, client_id=str(uuid.uuid4()), body="held?")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    add(1)
    small = queries()
    add(3)
    assert ReviewItem.objects.filter(state="open").count() == 8
    assert queries() == small


def test_approving_over_http_publishes_and_returns_to_the_queue(client, held, moderator):
    item = ReviewItem.objects.get(kind="post", object_id=held.pk)
    client.force_login(moderator)
    response = client.post(reverse("moderation:approve", kwargs={"item_id": item.pk}), {"note": "ok"})
    assert response.status_code == 302 and response["Location"] == reverse("moderation:queue")
    assert not Post.objects.get(pk=held.pk).awaiting_review


def test_approving_what_is_no_longer_held_says_so_in_the_moderators_language(client, held, moderator):
    item = ReviewItem.objects.get(kind="post", object_id=held.pk)
    client.force_login(moderator)
    client.post(reverse("moderation:approve", kwargs={"item_id": item.pk}))
    ReviewItem.objects.filter(pk=item.pk).update(state="open")
    with translation.override("fr"):
        response = client.post(reverse("moderation:approve", kwargs={"item_id": item.pk}), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert "Ceci n&#x27;attend pas d&#x27;approbation." in response.content.decode()


def test_the_words_page_lists_adds_and_removes(client, admin):
    client.force_login(admin)
    url = reverse("moderation:words")
    response = client.post(url, {"text": "مؤامرة", "kind": "word", "action": "hold"})
    assert response.status_code == 302
    word = WatchedWord.objects.get()
    assert (word.text, word.kind, word.action, word.created_by) == ("مؤامرة", "word", "hold", admin)
    body = client.get(url).content.decode()
    assert "مؤامرة" in body and 'dir="auto"' in body
    response = client.post(reverse("moderation:word_delete", kwargs={"word_id": word.pk}))
    assert response.status_code == 302 and not WatchedWord.objects.exists()


@pytest.mark.parametrize(("data", "message"), [
    ({"text": "(a+)+", "kind": "pattern", "action": "block"}, "could make matching very slow"),
    ({"text": "(oops", "kind": "pattern", "action": "block"}, "not a valid regular expression"),
    ({"text": "x" * 300, "kind": "word", "action": "block"}, "Please keep it under 200 characters."),
    ({"text": "", "kind": "word", "action": "block"}, "Write the word or the pattern to watch for."),
    ({"text": "spam", "kind": "word", "action": "explode"}, "Choose what happens to a text that contains it."),
    ({"text": "<script>alert(1)</script>", "kind": "pattern", "action": "flag"}, None),  # a valid pattern, escaped
])
def test_bad_words_are_refused_on_the_page_with_nothing_saved(client, admin, data, message):
    client.force_login(admin)
    response = client.post(reverse("moderation:words"), data)
    if message is None:
        assert response.status_code == 302
        body = client.get(reverse("moderation:words")).content.decode()
        assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
        return
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not WatchedWord.objects.exists()


def test_the_words_page_refusals_are_translated(client, admin):
    client.force_login(admin)
    response = client.post(reverse("moderation:words"), {"text": "(oops", "kind": "pattern", "action": "block"},
                           HTTP_ACCEPT_LANGUAGE="ar")
    body = response.content.decode()
    assert response.status_code == 400 and "هذا ليس تعبيراً نمطياً صالحاً." in body


def test_members_and_moderators_cannot_reach_the_words_page(client, make_user, moderator):
    WatchedWord.objects.create(text="secret", kind="word", action="block")
    for who in (make_user(role="member"), moderator):
        client.force_login(who)
        assert client.get(reverse("moderation:words")).status_code == 403
        response = client.post(reverse("moderation:words"), {"text": "x", "kind": "word", "action": "block"})
        assert response.status_code == 403
        word = WatchedWord.objects.get()
        assert client.post(reverse("moderation:word_delete", kwargs={"word_id": word.pk})).status_code == 403
    assert list(WatchedWord.objects.values_list("text", flat=True)) == ["secret"]


def test_a_blocked_reply_over_http_is_refused_with_the_form_kept(client, make_thread, make_user):
    WatchedWord.objects.create(text="forbidden", kind="word", action="block")
    thread = make_thread()
    member = make_user(role="member")
    client.force_login(member)
    before = Post.objects.count()
    response = client.post(reverse("discussions:reply", kwargs={"thread_id": thread.pk}),
                           {"source": "this is forbidden"})
    assert response.status_code == 400
    assert "not allowed here" in response.content.decode()
    assert Post.objects.count() == before


def test_permalinks_count_only_the_posts_the_reader_sees(client, premod, make_user, settings):
    """Held posts of others are not on a reader's pages: the permalink's page number leaves them out
    (it used to count them, and sent the reader one page too far)."""
    settings.FORUM_POSTS_PER_PAGE = 3
    settings.FORUM_MODERATION_NEW_MEMBER_POSTS = 0
    opener = make_user(role="moderator")
    thread = discussions.thread_create(author=opener, category=premod, title="Pages", source="Opening")
    thread = Thread.objects.get(pk=thread.pk)
    writer = make_user(role="member")
    held = [discussions.post_create(author=writer, thread=thread, source=f"held {i}") for i in range(2)]
    assert all(Post.objects.get(pk=p.pk).awaiting_review for p in held)
    published = [discussions.post_create(author=opener, thread=Thread.objects.get(pk=thread.pk), source=f"open {i}")
                 for i in range(2)]
    reader = make_user(role="member")
    client.force_login(reader)
    # The reader's pages: opening, open 0, open 1 — all on the first page.
    response = client.get(reverse("discussions:post", kwargs={"post_id": published[1].pk}))
    assert response.status_code == 302 and "after=" not in response.url
    page = client.get(response.url.split("#")[0]).content.decode()
    assert f'id="post-{published[1].pk}"' in page
    # The held posts' author sees them: for them the same post is on the second page.
    client.force_login(writer)
    response = client.get(reverse("discussions:post", kwargs={"post_id": published[1].pk}))
    assert "after=" in response.url
    page = client.get(response.url.split("#")[0]).content.decode()
    assert f'id="post-{published[1].pk}"' in page
