"""Pre-moderation: posts and threads held before they appear (a pre-moderated category, a new
member's first posts), seen by nobody but their author and the moderators, and published by
approval with exactly what publishing fires; rejection is a deletion under a rule."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from forum.audit.models import AuditEntry
from forum.categories.models import Category
from forum.discussions import cards, events, permissions, selectors
from forum.discussions import services as discussions
from forum.discussions.models import Post, Subscription, Thread
from forum.moderation import services
from forum.moderation.models import Action, ReviewItem
from forum.notifications.models import Notification
from forum.search.models import SearchDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def premod(make_category):
    category = make_category(name="Detainees")
    Category.objects.filter(pk=category.pk).update(premoderate=True)
    category.refresh_from_db()
    return category


@pytest.fixture
def lina(make_user):
    return make_user(role="member", display_name="Lina Haddad")


@pytest.fixture
def sara(make_user):
    return make_user(role="member", display_name="Sara Khoury")


@pytest.fixture
def open_thread(make_user, lina, premod):
    """A thread by Lina in the pre-moderated category, opened before it was (so it is published)."""
    premod.premoderate = False
    thread = discussions.thread_create(author=lina, category=premod, title="Wells of Idlib", source="Where?")
    Category.objects.filter(pk=premod.pk).update(premoderate=True)
    premod.refresh_from_db()
    thread.category = premod
    return thread


def _reply(thread, author, source="I have news, @[Sara Khoury]"):
    thread = Thread.objects.select_related("category", "category__parent").get(pk=thread.pk)
    return discussions.post_create(author=author, thread=thread, source=source)


def _item(post) -> ReviewItem:
    return ReviewItem.objects.get(kind="post", object_id=post.pk)


def _notified(post) -> dict[int, str]:
    return dict(Notification.objects.filter(key=f"post:{post.pk}").values_list("recipient_id", "kind"))


# --- Holding ---------------------------------------------------------------------------------------

def test_a_reply_in_a_premoderated_category_is_held_and_announced_to_nobody(
        open_thread, make_user, sara, listen, django_capture_on_commit_callbacks):
    omar = make_user(role="member", display_name="Omar")
    page, listing = listen(events.thread_group(open_thread.pk)), listen(events.category_group(open_thread.category_id))
    thread_before = Thread.objects.values("reply_count", "last_post_id").get(pk=open_thread.pk)
    posts_before = Category.objects.get(pk=open_thread.category_id).post_count
    with django_capture_on_commit_callbacks(execute=True):
        post = _reply(open_thread, omar)
    post.refresh_from_db()
    assert post.awaiting_review and post.hidden_at is not None and post.hidden_reason == {"premoderation": True}
    # Nobody hears of it: not the thread's author, not the person mentioned, no page, no count, no search.
    assert _notified(post) == {}
    assert page.events() == [] and listing.events() == []
    assert Thread.objects.values("reply_count", "last_post_id").get(pk=open_thread.pk) == thread_before
    assert Category.objects.get(pk=open_thread.category_id).post_count == posts_before
    assert not SearchDocument.objects.filter(post_id=post.pk).exists()
    # It waits in the queue, and the hold is audited.
    item = _item(post)
    assert item.state == ReviewItem.State.OPEN and item.held and item.reasons == ["premoderation"]
    assert item.flaggers == 0 and item.category_id == open_thread.category_id and item.author_id == omar.pk
    assert AuditEntry.objects.filter(verb="post.hold", target_id=str(post.pk), actor=None).exists()


def test_only_the_author_and_the_moderators_see_a_held_post_and_others_not_even_a_placeholder(
        open_thread, make_user, lina, moderator, rf):
    omar = make_user(role="member")
    post = _reply(open_thread, omar, source="Held text")
    thread = Thread.objects.select_related("category").get(pk=open_thread.pk)
    for reader in (lina, make_user(role="member")):
        page = selectors.thread_page_for_viewer(thread=thread, viewer=reader)
        assert post.pk not in [p.pk for p in page.posts]
        with pytest.raises(Http404):
            selectors.post_get_for_viewer(post_id=post.pk, viewer=reader)
        assert not permissions.visible_posts(reader).filter(pk=post.pk).exists()
    for reader in (omar, moderator):
        page = selectors.thread_page_for_viewer(thread=thread, viewer=reader)
        assert post.pk in [p.pk for p in page.posts]
        assert permissions.visible_posts(reader).filter(pk=post.pk).exists()
    # The author reads "awaiting review" above their own text.
    request = rf.get("/")
    request.user = omar
    page = selectors.thread_page_for_viewer(thread=thread, viewer=omar)
    html = cards.render_post_list(page.posts, request=request, can_reply=True)
    assert "Awaiting review" in html and "Held text" in html


def test_a_thread_opened_in_a_premoderated_category_is_held_whole(
        premod, make_user, lina, moderator, listen, django_capture_on_commit_callbacks):
    Subscription.objects.create(user=lina, category=premod, level=Subscription.Level.WATCH)
    omar = make_user(role="member")
    listing = listen(events.category_group(premod.pk))
    with django_capture_on_commit_callbacks(execute=True):
        thread = discussions.thread_create(author=omar, category=premod, title="Missing people", source="Names")
    thread.refresh_from_db()
    opening = thread.posts.get()
    assert thread.awaiting_review and opening.awaiting_review
    assert Category.objects.get(pk=premod.pk).thread_count == 0
    assert listing.events() == [] and _notified(opening) == {}
    with pytest.raises(Http404):
        permissions.check_view_thread(lina, thread)
    assert not permissions.visible_threads(lina).filter(pk=thread.pk).exists()
    permissions.check_view_thread(omar, thread)
    permissions.check_view_thread(moderator, thread)
    assert permissions.visible_threads(omar).filter(pk=thread.pk).exists()
    assert permissions.visible_threads(moderator).filter(pk=thread.pk).exists()
    assert _item(opening).reasons == ["premoderation"]


def test_a_new_members_first_posts_are_held_until_they_have_published_enough(
        settings, make_thread, make_category, make_user, moderator):
    settings.FORUM_MODERATION_NEW_MEMBER_POSTS = 2
    category = make_category()
    thread = make_thread(category=category, author=moderator)
    newcomer = make_user(role="member")
    first, second = _reply(thread, newcomer, "one"), _reply(thread, newcomer, "two")
    assert first.awaiting_review and second.awaiting_review
    assert _item(first).reasons == ["new_member"]
    services.item_approve(actor=moderator, item=_item(first))
    assert _reply(thread, newcomer, "three").awaiting_review  # one published post is not yet two
    services.item_approve(actor=moderator, item=_item(second))
    assert not _reply(thread, newcomer, "four").awaiting_review


def test_the_new_member_hold_is_off_at_zero(settings, make_thread, make_user):
    settings.FORUM_MODERATION_NEW_MEMBER_POSTS = 0
    thread = make_thread()
    assert not _reply(thread, make_user(role="member"), "hello").awaiting_review
    assert not ReviewItem.objects.exists()


def test_moderators_and_admins_are_never_held(settings, premod, open_thread, moderator, make_user, give_mfa):
    settings.FORUM_MODERATION_NEW_MEMBER_POSTS = 5
    category_moderator = make_user(role="member")
    premod.moderators.add(category_moderator)
    admin = make_user(role="admin")  # even without a second factor
    for writer in (moderator, category_moderator, admin):
        assert not _reply(open_thread, writer, "an answer").awaiting_review
        thread = discussions.thread_create(author=writer, category=premod, title="Notice", source="Read me")
        assert not thread.awaiting_review
    assert not ReviewItem.objects.exists()


# --- Approval --------------------------------------------------------------------------------------

def test_approval_publishes_with_exactly_what_publishing_fires(
        open_thread, make_user, lina, sara, moderator, listen, django_capture_on_commit_callbacks, settings):
    omar = make_user(role="member", display_name="Omar")
    # The reference: the same reply in a category without pre-moderation.
    Category.objects.filter(pk=open_thread.category_id).update(premoderate=False)  # _reply reads it afresh
    with django_capture_on_commit_callbacks(execute=True):
        reference = _reply(open_thread, omar)
    expected = _notified(reference)
    assert expected == {lina.pk: "reply", sara.pk: "mention"}
    Category.objects.filter(pk=open_thread.category_id).update(premoderate=True)

    post = _reply(open_thread, omar)
    replies_before = Thread.objects.get(pk=open_thread.pk).reply_count
    page, listing = listen(events.thread_group(open_thread.pk)), listen(events.category_group(open_thread.category_id))
    with django_capture_on_commit_callbacks(execute=True):
        item = services.item_approve(actor=moderator, item=_item(post), note="Fine")
    post.refresh_from_db()
    assert not post.awaiting_review and post.hidden_at is None and post.hidden_reason == {}
    assert _notified(post) == expected  # the thread's author (reply) and the person mentioned
    assert [e["type"] for e in page.events()] == ["discussions.post.created"]
    assert [e["type"] for e in listing.events()] == ["discussions.thread.activity"]
    assert SearchDocument.objects.filter(post_id=post.pk).exists()
    thread = Thread.objects.get(pk=open_thread.pk)
    assert thread.reply_count == replies_before + 1 and thread.last_post_id == post.pk
    assert item.state == ReviewItem.State.APPROVED and not item.held
    assert AuditEntry.objects.filter(verb="post.approve", actor=moderator, target_id=str(post.pk)).exists()
    entry = AuditEntry.objects.get(verb="moderation.approve")
    assert entry.actor == moderator and entry.data["reasons"] == ["premoderation"] and entry.data["note"] == "Fine"
    # Everyone reads it now.
    assert permissions.visible_posts(sara).filter(pk=post.pk).exists()


def test_approving_a_held_thread_publishes_it_to_the_category(
        premod, make_user, lina, moderator, listen, django_capture_on_commit_callbacks):
    Subscription.objects.create(user=lina, category=premod, level=Subscription.Level.WATCH)
    omar = make_user(role="member")
    thread = discussions.thread_create(author=omar, category=premod, title="Missing people", source="Names")
    opening = thread.posts.get()
    listing = listen(events.category_group(premod.pk))
    with django_capture_on_commit_callbacks(execute=True):
        services.item_approve(actor=moderator, item=_item(opening))
    thread.refresh_from_db()
    assert not thread.awaiting_review
    assert Category.objects.get(pk=premod.pk).thread_count == 1
    assert _notified(opening) == {lina.pk: "new_thread"}
    assert [e["type"] for e in listing.events()] == ["discussions.thread.created"]
    assert permissions.visible_threads(lina).filter(pk=thread.pk).exists()
    assert SearchDocument.objects.filter(post_id=opening.pk).exists()


def test_rejection_is_a_deletion_under_a_rule_and_the_author_is_told(
        open_thread, make_user, sara, moderator, rule, django_capture_on_commit_callbacks):
    omar = make_user(role="member")
    post = _reply(open_thread, omar)
    with django_capture_on_commit_callbacks(execute=True):
        action = services.item_act(actor=moderator, item=_item(post), kind="delete", rule=rule)
    post.refresh_from_db()
    assert post.deleted_at is not None and post.awaiting_review  # still shown to nobody else
    assert not permissions.visible_posts(sara).filter(pk=post.pk).exists()
    assert _notified(post) == {}
    notice = Notification.objects.get(recipient=omar)
    assert notice.url.endswith(f"/moderation/decisions/{action.pk}/")


# --- Refusals --------------------------------------------------------------------------------------

def _snapshot():
    return (list(Post.objects.values_list("pk", "awaiting_review", "hidden_at", "deleted_at")),
            list(ReviewItem.objects.values_list("pk", "state", "held")),
            list(AuditEntry.objects.values_list("pk", flat=True)), list(Action.objects.values_list("pk", flat=True)),
            list(Notification.objects.values_list("pk", flat=True)))


def test_approving_outside_ones_scope_is_refused_and_changes_nothing(
        open_thread, make_user, make_category, give_mfa, lina):
    post = _reply(open_thread, make_user(role="member"))
    item = _item(post)
    elsewhere = give_mfa(make_user(role="member"))
    make_category().moderators.add(elsewhere)
    before = _snapshot()
    with pytest.raises(Http404):
        services.item_approve(actor=elsewhere, item=item)
    with pytest.raises(PermissionDenied):
        services.item_approve(actor=lina, item=item)
    assert _snapshot() == before


def test_approving_what_is_not_held_is_refused(post, make_user, moderator, flag_post):
    item = flag_post(post, make_user(role="member")).item
    before = _snapshot()
    with pytest.raises(ValidationError) as caught:
        services.item_approve(actor=moderator, item=item)
    assert caught.value.code == "not_awaiting"
    assert _snapshot() == before


def test_dismissing_or_restoring_a_held_post_is_refused(open_thread, make_user, moderator, rule):
    post = _reply(open_thread, make_user(role="member"))
    before = _snapshot()
    for kind in ("dismiss", "restore"):
        with pytest.raises(ValidationError) as caught:
            services.item_act(actor=moderator, item=_item(post), kind=kind, rule=rule)
        assert caught.value.code == "awaiting_review"
    with pytest.raises(ValidationError):
        discussions.post_hide(actor=moderator, post=post, reason="x", hidden=False)
    assert _snapshot() == before


def test_an_overlong_note_on_approval_is_refused(open_thread, make_user, moderator):
    post = _reply(open_thread, make_user(role="member"))
    before = _snapshot()
    with pytest.raises(ValidationError):
        services.item_approve(actor=moderator, item=_item(post), note="x" * 2001)
    assert _snapshot() == before


def test_approving_twice_is_refused(open_thread, make_user, moderator):
    post = _reply(open_thread, make_user(role="member"))
    services.item_approve(actor=moderator, item=_item(post))
    with pytest.raises(ValidationError):
        discussions.post_approve(actor=moderator, post=Post.objects.get(pk=post.pk))


def test_the_author_cannot_edit_a_held_post_and_is_told_why(open_thread, make_user):
    omar = make_user(role="member")
    post = _reply(open_thread, omar, source="first words")
    post = Post.objects.select_related("thread__category").get(pk=post.pk)
    before = _snapshot()
    with pytest.raises(PermissionDenied) as caught:
        discussions.post_edit(actor=omar, post=post, source="second words")
    assert "awaiting a moderator's approval" in str(caught.value)
    assert _snapshot() == before
