"""thread_split: chosen replies and the replies below them become a new thread, in one transaction,
with counters, latest posts, read marks, followers and the search index kept sane; refusals change
nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from forum.audit.models import AuditEntry
from forum.categories.models import Category
from forum.discussions import services
from forum.discussions.models import Post, ReadState, Subscription, Thread
from forum.search.models import SearchDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user, give_mfa, make_category, make_thread, make_post):
    moderator = give_mfa(make_user(role="moderator"))
    source, target = make_category(), make_category()
    author = make_user(role="member")
    thread = make_thread(category=source, author=author, title="Water in Idlib")
    root = thread.posts.get(depth=0)
    a = make_post(thread=thread, source="On topic")
    b = make_post(thread=thread, source="Off on electricity")
    b1 = make_post(thread=thread, parent=b, source="Electricity answer")
    b11 = make_post(thread=thread, parent=b1, source="Electricity deeper")
    c = make_post(thread=thread, parent=a, source="Water answer")
    return {"moderator": moderator, "source": source, "target": target, "thread": thread, "root": root,
            "a": a, "b": b, "b1": b1, "b11": b11, "c": c}


def _snapshot():
    return (list(Thread.objects.order_by("pk").values_list("pk", "reply_count", "last_post_id", "category_id")),
            list(Post.objects.order_by("pk").values_list("pk", "thread_id", "parent_id", "path", "depth")),
            list(Category.objects.order_by("pk").values_list("pk", "thread_count", "post_count")),
            AuditEntry.objects.count(), ReadState.objects.count(), Subscription.objects.count())


def _recount(category):
    threads = Thread.objects.filter(category=category, deleted_at__isnull=True)
    posts = Post.objects.filter(thread__in=threads, deleted_at__isnull=True, hidden_at__isnull=True)
    return threads.count(), posts.count()


def test_a_reply_moves_with_its_descendants_and_every_counter_follows(world):
    w = world
    new = services.thread_split(actor=w["moderator"], thread=w["thread"], post_ids=[w["b"].pk],
                                category=w["target"], title="Electricity", reason="Off-topic")
    moved = list(new.posts.order_by("pk"))
    assert [p.pk for p in moved] == [w["b"].pk, w["b1"].pk, w["b11"].pk]
    opening, child, grandchild = moved
    assert opening.parent_id is None and opening.depth == 0
    assert child.parent_id == opening.pk and child.depth == 1 and child.path.startswith(opening.path + "/")
    assert grandchild.parent_id == child.pk and grandchild.depth == 2 and grandchild.path.startswith(child.path + "/")
    new.refresh_from_db()
    old = Thread.objects.get(pk=w["thread"].pk)
    assert (new.title, new.category_id, new.author_id) == ("Electricity", w["target"].pk, w["b"].author_id)
    assert new.reply_count == 2 and new.last_post_id == w["b11"].pk
    assert old.reply_count == 2 and old.last_post_id == w["c"].pk
    assert list(old.posts.order_by("pk").values_list("pk", flat=True)) == [w["root"].pk, w["a"].pk, w["c"].pk]
    for category in (w["source"], w["target"]):
        category.refresh_from_db()
        assert (category.thread_count, category.post_count) == _recount(category)
    entry = AuditEntry.objects.get(verb="thread.split")
    assert entry.actor == w["moderator"] and entry.reason == "Off-topic"
    assert entry.data["from"] == old.pk and entry.data["posts"] == [p.pk for p in moved]


def test_a_reply_whose_parent_stays_behind_answers_the_new_opening_post(world):
    w = world
    new = services.thread_split(actor=w["moderator"], thread=w["thread"], post_ids=[w["b"].pk, w["c"].pk],
                                category=w["source"], title="Mixed", reason="Tidy")
    opening = new.posts.get(depth=0)
    assert opening.pk == w["b"].pk
    c = Post.objects.get(pk=w["c"].pk)
    assert c.thread_id == new.pk and c.parent_id == opening.pk and c.depth == 1
    w["source"].refresh_from_db()
    assert (w["source"].thread_count, w["source"].post_count) == _recount(w["source"])


def test_hidden_replies_move_without_being_counted(world):
    w = world
    services.post_hide(actor=w["moderator"], post=w["b1"], reason="spam")
    new = services.thread_split(actor=w["moderator"], thread=w["thread"], post_ids=[w["b"].pk],
                                category=w["target"], title="Electricity", reason="Off-topic")
    new.refresh_from_db()
    assert new.reply_count == 1  # b11 counts, b1 is hidden
    for category in (w["source"], w["target"]):
        category.refresh_from_db()
        assert (category.thread_count, category.post_count) == _recount(category)


def test_read_marks_and_followers_carry_over_and_nobody_is_notified(world, make_user):
    from forum.notifications.models import Notification

    w = world
    reader, watcher, muter = make_user(), make_user(), make_user()
    ReadState.objects.create(user=reader, thread=w["thread"], last_read_post_id=w["b1"].pk)
    Subscription.objects.create(user=watcher, thread=w["thread"], level="watch")
    Subscription.objects.create(user=muter, thread=w["thread"], level="mute")
    notices = Notification.objects.count()
    new = services.thread_split(actor=w["moderator"], thread=w["thread"], post_ids=[w["b"].pk],
                                category=w["target"], title="Electricity", reason="Off-topic")
    assert ReadState.objects.get(user=reader, thread=new).last_read_post_id == w["b1"].pk
    assert Subscription.objects.get(user=watcher, thread=new).level == "watch"
    assert not Subscription.objects.filter(user=muter, thread=new).exists()
    assert Notification.objects.count() == notices


def test_moved_posts_are_found_in_the_new_thread(world):
    w = world
    new = services.thread_split(actor=w["moderator"], thread=w["thread"], post_ids=[w["b"].pk],
                                category=w["target"], title="Electricity", reason="Off-topic")
    docs = SearchDocument.objects.filter(post_id__in=[w["b"].pk, w["b1"].pk, w["b11"].pk])
    assert set(docs.values_list("thread_id", "category_id")) == {(new.pk, w["target"].pk)}
    assert docs.get(post_id=w["b"].pk).title_norm  # the new opening post carries the title


@pytest.mark.parametrize("case", ["none", "opening", "other_thread", "forged", "garbage"])
def test_bad_choices_of_posts_are_refused_and_change_nothing(world, make_thread, case):
    w = world
    elsewhere = make_thread(category=w["source"])
    post_ids = {"none": [], "opening": [w["root"].pk], "other_thread": [w["a"].pk, elsewhere.posts.get().pk],
                "forged": [w["a"].pk, 987654], "garbage": ["1;DROP"]}[case]
    before = _snapshot()
    with pytest.raises(ValidationError) as caught:
        services.thread_split(actor=w["moderator"], thread=w["thread"], post_ids=post_ids, category=w["target"],
                              title="New", reason="Off-topic")
    assert "posts" in caught.value.message_dict
    assert _snapshot() == before


@pytest.mark.parametrize("field", ["title", "reason"])
def test_a_split_needs_a_title_and_a_reason(world, field):
    w = world
    kwargs = {"title": "New", "reason": "Off-topic", field: "  "}
    before = _snapshot()
    with pytest.raises(ValidationError) as caught:
        services.thread_split(actor=w["moderator"], thread=w["thread"], post_ids=[w["b"].pk], category=w["target"],
                              **kwargs)
    assert field in caught.value.message_dict
    assert _snapshot() == before


def test_members_and_moderators_of_one_side_only_are_refused(world, make_user, give_mfa):
    w = world
    member = make_user(role="member")
    only_source = give_mfa(make_user(role="member"))
    w["source"].moderators.add(only_source)
    before = _snapshot()
    with pytest.raises((PermissionDenied, Http404)):
        services.thread_split(actor=member, thread=w["thread"], post_ids=[w["b"].pk], category=w["source"],
                              title="New", reason="x")
    with pytest.raises(PermissionDenied) as caught:
        services.thread_split(actor=only_source, thread=w["thread"], post_ids=[w["b"].pk], category=w["target"],
                              title="New", reason="x")
    assert "categories you moderate" in str(caught.value)
    assert _snapshot() == before


# --- Undo (an appeal overturned the split) -----------------------------------------------------

def _split(w, post_ids, **kw):
    new = services.thread_split(actor=w["moderator"], thread=w["thread"], post_ids=post_ids,
                                category=kw.get("category", w["target"]), title="Electricity", reason="Off-topic")
    parents = AuditEntry.objects.get(verb="thread.split", target_id=str(new.pk)).data["parents"]
    return new, parents


def _tree(thread_id):
    return list(Post.objects.filter(thread_id=thread_id).order_by("pk").values_list("pk", "parent_id", "path", "depth"))


def test_undoing_a_split_puts_every_post_back_where_it_was_and_every_counter_back(world, make_user):
    w = world
    watcher = make_user()
    threads_before = list(Thread.objects.filter(pk=w["thread"].pk).values_list("reply_count", "last_post_id"))
    categories_before = list(Category.objects.order_by("pk").values_list("pk", "thread_count", "post_count"))
    tree_before = _tree(w["thread"].pk)
    new, parents = _split(w, [w["b"].pk, w["c"].pk])  # c answers a, which stays
    Subscription.objects.create(user=watcher, thread=new, level="watch")  # followed the split thread only
    services.thread_split_undo(actor=w["moderator"], thread=w["thread"], new=new, parents=parents,
                               reason="appeal 1", audit_data={"appeal_of": 9})
    assert _tree(w["thread"].pk) == tree_before
    assert not Thread.objects.filter(pk=new.pk).exists()
    assert list(Thread.objects.filter(pk=w["thread"].pk).values_list("reply_count", "last_post_id")) == threads_before
    assert list(Category.objects.order_by("pk").values_list("pk", "thread_count", "post_count")) == categories_before
    docs = SearchDocument.objects.filter(post_id__in=[w["b"].pk, w["b1"].pk, w["b11"].pk, w["c"].pk])
    assert set(docs.values_list("thread_id", "category_id")) == {(w["thread"].pk, w["source"].pk)}
    assert not docs.get(post_id=w["b"].pk).title_norm  # a reply again: no title
    assert Subscription.objects.get(user=watcher, thread_id=w["thread"].pk).level == "watch"
    entry = AuditEntry.objects.get(verb="thread.split.undo")
    assert entry.target_id == str(w["thread"].pk) and entry.data["appeal_of"] == 9
    assert sorted(entry.data["posts"]) == sorted([w["b"].pk, w["b1"].pk, w["b11"].pk, w["c"].pk])


def test_replies_written_in_the_split_thread_since_come_back_with_it(world, make_post, make_user):
    """The rule when the split thread received replies: they come along, under the post they answer
    (a reply to the split thread's opening post answers that post in its old place)."""
    w = world
    new, parents = _split(w, [w["b"].pk])
    to_opening = make_post(thread=new, parent=Post.objects.get(pk=w["b"].pk), source="Reply to the new thread")
    deeper = make_post(thread=new, parent=Post.objects.get(pk=w["b11"].pk), source="Deeper still")
    services.thread_split_undo(actor=w["moderator"], thread=w["thread"], new=new, parents=parents, reason="appeal")
    b = Post.objects.get(pk=w["b"].pk)
    assert b.thread_id == w["thread"].pk and b.parent_id == w["root"].pk and b.depth == 1
    to_opening.refresh_from_db()
    deeper.refresh_from_db()
    assert (to_opening.thread_id, to_opening.parent_id, to_opening.depth) == (w["thread"].pk, b.pk, 2)
    assert to_opening.path.startswith(b.path + "/")
    assert deeper.thread_id == w["thread"].pk and deeper.parent_id == w["b11"].pk
    thread = Thread.objects.get(pk=w["thread"].pk)
    assert thread.reply_count == 7 and thread.last_post_id == deeper.pk
    for category in (w["source"], w["target"]):
        category.refresh_from_db()
        assert (category.thread_count, category.post_count) == _recount(category)


def test_undoing_a_split_whose_thread_was_deleted_or_moved_since_keeps_counters_right(world, make_category):
    w = world
    new, parents = _split(w, [w["b"].pk])
    elsewhere = make_category()
    services.thread_move(actor=w["moderator"], thread=new, category=elsewhere, reason="x")
    services.thread_delete(actor=w["moderator"], thread=Thread.objects.get(pk=new.pk), reason="x")
    services.thread_split_undo(actor=w["moderator"], thread=w["thread"], new=Thread.objects.get(pk=new.pk),
                               parents=parents, reason="appeal")
    for category in (w["source"], w["target"], elsewhere):
        category.refresh_from_db()
        assert (category.thread_count, category.post_count) == _recount(category)


def test_undoing_a_split_is_refused_to_moderators_of_one_side_only(world, make_user, give_mfa):
    w = world
    new, parents = _split(w, [w["b"].pk])
    only_source = give_mfa(make_user(role="member"))
    w["source"].moderators.add(only_source)
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        services.thread_split_undo(actor=only_source, thread=w["thread"], new=new, parents=parents, reason="x")
    assert _snapshot() == before
