"""Flagging: who may, once, the reasons, and what hides an item pending review."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from forum.discussions.models import Post
from forum.moderation import services
from forum.moderation.models import Flag, ReviewItem

pytestmark = pytest.mark.django_db


def _state():
    return (list(Flag.objects.values_list("pk", flat=True)), list(ReviewItem.objects.values_list("pk", "flaggers")),
            list(Post.objects.values_list("pk", "hidden_at")))


def test_a_member_flags_a_post_and_it_enters_the_queue(post, make_user, flag_post):
    reporter = make_user(role="member")
    flag = flag_post(post, reporter, reason="harassment")
    item = flag.item
    assert (item.kind, item.object_id, item.state, item.flaggers) == ("post", post.pk, "open", 1)
    assert item.category_id == post.thread.category_id and item.author_id == post.author_id
    assert item.score == 10 + 3  # one flagger, harassment's severity
    post.refresh_from_db()
    assert post.hidden_at is None


def test_an_observer_granted_the_category_may_flag(post, make_user, flag_post):
    from forum.accounts.models import ObserverGrant

    observer = make_user(role="observer")
    ObserverGrant.objects.create(user=observer, scope="category", object_id=post.thread.category_id)
    assert flag_post(post, observer).reporter == observer


def test_flagging_ones_own_post_is_refused_and_changes_nothing(post, author, flag_post):
    before = _state()
    with pytest.raises(PermissionDenied, match="your own post"):
        flag_post(post, author)
    assert _state() == before


def test_flagging_twice_is_refused_and_changes_nothing(post, make_user, flag_post):
    reporter = make_user(role="member")
    flag_post(post, reporter)
    before = _state()
    with pytest.raises(ValidationError) as caught:
        flag_post(post, reporter, reason="harassment")
    assert caught.value.code == "twice" and "already flagged" in caught.value.messages[0]
    assert _state() == before


def test_flagging_what_one_cannot_see_is_a_404(make_thread, make_category, make_user, moderator, flag_post):
    hidden_place = make_category(visibility="restricted")
    thread = make_thread(category=hidden_place, author=moderator)
    post = thread.posts.get()
    before = _state()
    with pytest.raises(Http404):
        flag_post(post, make_user(role="member"))
    assert _state() == before


@pytest.mark.parametrize(("kind", "object_id"), [("post", 999999), ("post", "1 OR 1=1"), ("poll", 1)])
def test_a_forged_item_is_a_404(post, make_user, kind, object_id):
    before = _state()
    with pytest.raises(Http404):
        services.flag_create(actor=make_user(role="member"), kind=kind, object_id=object_id, reason="spam")
    assert _state() == before


def test_other_needs_text_and_reasons_must_be_known(post, make_user, flag_post):
    reporter = make_user(role="member")
    with pytest.raises(ValidationError) as caught:
        flag_post(post, reporter, reason="other")
    assert caught.value.message_dict["text"]
    with pytest.raises(ValidationError) as caught:
        flag_post(post, reporter, reason="boring")
    assert caught.value.message_dict["reason"]
    assert not Flag.objects.exists()
    assert flag_post(post, reporter, reason="other", text="Advertises a scam").text == "Advertises a scam"


def test_suspended_members_and_visitors_cannot_flag(post, make_user, flag_post):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises((PermissionDenied, Http404)):  # a suspended member sees nothing
        flag_post(post, make_user(role="member", suspended=True))
    with pytest.raises((PermissionDenied, Http404)):
        flag_post(post, AnonymousUser())
    assert not Flag.objects.exists()


def test_endangers_someone_hides_the_post_at_once_pending_review(post, make_user, flag_post):
    from forum.audit.models import AuditEntry

    flag = flag_post(post, make_user(role="member"), reason="endangers")
    post.refresh_from_db()
    assert post.hidden_at is not None and post.hidden_reason == {"pending": True}
    assert flag.item.held
    assert AuditEntry.objects.filter(verb="post.hold", target_id=str(post.pk), actor=None).exists()


def test_endangers_does_not_hide_when_the_setting_is_off(post, make_user, flag_post, settings):
    settings.FORUM_MODERATION_HIDE_ENDANGERING = False
    flag_post(post, make_user(role="member"), reason="endangers")
    post.refresh_from_db()
    assert post.hidden_at is None


def test_n_distinct_flaggers_hide_the_post(post, make_user, flag_post, settings):
    settings.FORUM_MODERATION_AUTO_HIDE_FLAGGERS = 3
    for n in range(3):
        flag_post(post, make_user(role="member"))
        post.refresh_from_db()
        assert (post.hidden_at is not None) == (n == 2)
    item = ReviewItem.objects.get()
    assert item.flaggers == 3 and item.held and item.score == 32


def test_score_orders_by_flaggers_then_severity(make_thread, make_post, category, make_user, flag_post):
    thread = make_thread(category=category)
    spam, attack, crowd = (make_post(thread=thread) for _ in range(3))
    flag_post(spam, make_user(role="member"), reason="spam")
    flag_post(attack, make_user(role="member"), reason="illegal")
    flag_post(crowd, make_user(role="member"))
    flag_post(crowd, make_user(role="member"))
    order = list(ReviewItem.objects.values_list("object_id", flat=True))
    assert order == [crowd.pk, attack.pk, spam.pk]
