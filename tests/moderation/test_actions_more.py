"""The moderator's further actions: edit for policy, lock / unlock, move, split (each under a rule,
audited, told to the author, appealable), warnings as restrictions, sanctions with a scope and bans,
and the second moderator's confirmation. Every refusal is named and changes nothing."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from forum.accounts.models import Restriction
from forum.audit.models import AuditEntry
from forum.discussions.models import Post, PostRevision, Thread
from forum.moderation import actions, services
from forum.moderation.models import Action, Appeal, ReviewItem
from forum.notifications import texts
from forum.notifications.models import Notification
from forum.search.models import SearchDocument
from forum.search.services import index_pending

pytestmark = pytest.mark.django_db


def _state():
    return (list(Action.objects.values_list("pk", flat=True)), AuditEntry.objects.count(),
            list(Post.objects.order_by("pk").values_list("pk", "source", "thread_id", "moderator_edit")),
            list(Thread.objects.order_by("pk").values_list("pk", "locked", "category_id")),
            list(ReviewItem.objects.values_list("pk", "state")), Notification.objects.count(),
            list(Restriction.objects.values_list("pk", "pending_confirmation", "lifted_at")))


@pytest.fixture
def thread(post):
    return post.thread


# --- Edit for policy -----------------------------------------------------------------------------

def test_edit_for_policy_keeps_the_original_in_the_log_only_and_readers_see_the_rule(
        post, moderator, rule, author, make_user, django_capture_on_commit_callbacks, client):
    from forum.discussions import services as discussions

    discussions.post_edit(actor=author, post=post, source="Call me on +963 555 0101, rude")
    assert PostRevision.objects.filter(post=post).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        action = actions.post_edit_for_policy(actor=moderator, post=post, source="Call me here, rude", rule=rule,
                                              note="No phone numbers.")
    post.refresh_from_db()
    assert post.source == "Call me here, rude" and "0101" not in post.html
    assert not PostRevision.objects.filter(post=post).exists()  # the history held the number too
    assert post.moderator_edit["en"] == "No personal attacks"
    assert post.moderator_edit["decision"] == f"/moderation/decisions/{action.pk}/"
    entry = AuditEntry.objects.get(verb="post.edit_for_policy")
    assert entry.data["before"] == "Call me on +963 555 0101, rude" and entry.data["revisions"] == ["A rude reply"]
    assert AuditEntry.objects.filter(verb="moderation.edit").exists()
    assert "0101" not in SearchDocument.objects.get(post_id=post.pk).body_text
    assert action.kind == "edit" and action.subject == author
    notice = Notification.objects.get(recipient=author)
    with translation.override("en"):
        assert texts.describe(notice) == "The moderators edited your post in “Wells of Idlib”. Rule: No personal attacks."
    assert mail.outbox and mail.outbox[-1].extra_headers["Content-Language"] == "ar"
    client.force_login(make_user(role="member"))
    page = client.get(post.thread.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Edited by the moderators: <bdi dir=\"auto\">No personal attacks</bdi>" in page
    assert "0101" not in page
    revisions = client.get(reverse("discussions:post_revisions", kwargs={"post_id": post.pk}))
    assert "0101" not in revisions.content.decode()
    # The author may appeal it, like any other decision.
    appeal = services.appeal_create(actor=author, action=action, statement="It was my office number.")
    assert appeal.action == action


def test_an_overturned_edit_for_policy_brings_the_text_and_its_history_back(
        post, moderator, second_moderator, rule, author, make_user, client):
    from forum.discussions import services as discussions

    discussions.post_edit(actor=author, post=post, source="Call me on +963 555 0101, rude")
    earlier = PostRevision.objects.get(post=post)
    action = actions.post_edit_for_policy(actor=moderator, post=post, source="Call me here, rude", rule=rule)
    assert AuditEntry.objects.get(verb="post.edit_for_policy").data["action"] == action.pk
    appeal = services.appeal_create(actor=author, action=action, statement="It was my office number.")
    services.appeal_decide(actor=second_moderator, appeal=appeal, outcome=Appeal.Outcome.OVERTURNED, note="Public")
    post.refresh_from_db()
    assert post.source == "Call me on +963 555 0101, rude" and "0101" in post.html
    assert post.moderator_edit == {}
    # The history: the erased revision back as it was (who, when), then the moderators' text.
    history = list(PostRevision.objects.filter(post=post).order_by("created_at", "id")
                   .values_list("source", "editor_id", "created_at"))
    assert history == [("A rude reply", author.pk, earlier.created_at),
                       ("Call me here, rude", second_moderator.pk, history[1][2])]
    entry = AuditEntry.objects.get(verb="post.edit_for_policy.undo")
    assert entry.actor == second_moderator and entry.data["appeal_of"] == action.pk
    assert entry.data["before"] == "Call me here, rude" and entry.data["after"] == post.source
    index_pending()  # what the worker does once the undo commits
    assert "0101" in SearchDocument.objects.get(post_id=post.pk).body_text
    client.force_login(make_user(role="member"))
    page = client.get(post.thread.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Edited by the moderators" not in page and "0101" in page


def test_an_overturned_edit_for_policy_keeps_the_authors_later_edit_as_a_revision(
        post, moderator, second_moderator, rule, author):
    from forum.discussions import services as discussions

    action = actions.post_edit_for_policy(actor=moderator, post=post, source="Polite now", rule=rule)
    discussions.post_edit(actor=author, post=Post.objects.get(pk=post.pk), source="Polite now, and more")
    appeal = services.appeal_create(actor=author, action=action, statement="Fine as it was.")
    services.appeal_decide(actor=second_moderator, appeal=appeal, outcome=Appeal.Outcome.OVERTURNED)
    post.refresh_from_db()
    assert post.source == "A rude reply"
    assert list(PostRevision.objects.filter(post=post).order_by("created_at", "id").values_list("source", flat=True)) == [
        "Polite now", "Polite now, and more"]


def test_an_overturned_edit_of_a_post_deleted_since_changes_nothing_more(
        post, moderator, second_moderator, rule, author):
    from forum.discussions import services as discussions

    action = actions.post_edit_for_policy(actor=moderator, post=post, source="Polite now", rule=rule)
    appeal = services.appeal_create(actor=author, action=action, statement="Fine as it was.")
    discussions.post_delete(actor=author, post=Post.objects.get(pk=post.pk))
    services.appeal_decide(actor=second_moderator, appeal=appeal, outcome=Appeal.Outcome.OVERTURNED)
    post.refresh_from_db()
    assert post.source == "" and post.deleted_at is not None
    assert Appeal.objects.get(pk=appeal.pk).outcome == "overturned"


def test_edit_for_policy_refusals_change_nothing(post, moderator, make_user, give_mfa, make_category, rule,
                                                 make_organisation):
    before = _state()
    with pytest.raises(ValidationError) as caught:
        actions.post_edit_for_policy(actor=moderator, post=post, source="New text", rule=None)
    assert "rule" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        actions.post_edit_for_policy(actor=moderator, post=post, source="  ", rule=rule)
    assert "source" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        actions.post_edit_for_policy(actor=moderator, post=post, source=post.source, rule=rule)
    assert "source" in caught.value.message_dict
    with pytest.raises(ValidationError):
        actions.post_edit_for_policy(actor=moderator, post=post, source="x" * 100_000, rule=rule)
    elsewhere = give_mfa(make_user(role="member"))
    make_category(moderators=[elsewhere])
    with pytest.raises(PermissionDenied) as caught:  # they read the post: a named refusal
        actions.post_edit_for_policy(actor=elsewhere, post=post, source="New text", rule=rule)
    assert "outside your moderation scope" in str(caught.value)
    with pytest.raises((PermissionDenied, Http404)):
        actions.post_edit_for_policy(actor=make_user(role="member"), post=post, source="New text", rule=rule)
    assert _state() == before


def test_conflict_of_interest_refuses_a_moderator_of_the_authors_organisation(
        make_user, give_mfa, make_organisation, make_thread, make_post, category, rule):
    from forum.organisations.models import Membership

    author = make_user(role="member")
    colleague = give_mfa(make_user(role="moderator"))
    Membership.objects.create(user=colleague, organisation=author.memberships.get().organisation, kind="member")
    post = make_post(thread=make_thread(category=category, author=author), author=author)
    before = _state()
    for attempt in (
        lambda: actions.post_edit_for_policy(actor=colleague, post=post, source="Other", rule=rule),
        lambda: actions.thread_lock(actor=colleague, thread=post.thread, locked=True, rule=rule),
    ):
        with pytest.raises(PermissionDenied) as caught:
            attempt()
        assert "own organisation" in str(caught.value)
    assert _state() == before


# --- Lock, move, split ---------------------------------------------------------------------------

def test_lock_and_unlock_under_a_rule_are_told_and_an_overturned_lock_unlocks(
        thread, moderator, second_moderator, rule, author):
    action = actions.thread_lock(actor=moderator, thread=thread, locked=True, rule=rule, note="Cooling off")
    thread.refresh_from_db()
    assert thread.locked and action.kind == "lock" and action.subject == author
    assert AuditEntry.objects.filter(verb="thread.lock", actor=moderator).exists()
    assert AuditEntry.objects.get(verb="moderation.lock").data["note"] == "Cooling off"
    item = action.item
    assert item.state == "actioned" and not ReviewItem.objects.filter(state="open").exists()  # not in the queue
    with translation.override("fr"):
        assert "verrouillé" in texts.describe(Notification.objects.get(recipient=author))
    with pytest.raises(ValidationError):
        actions.thread_lock(actor=moderator, thread=thread, locked=True, rule=rule)
    appeal = services.appeal_create(actor=author, action=action, statement="Nothing wrong was said.")
    services.appeal_decide(actor=second_moderator, appeal=appeal, outcome=Appeal.Outcome.OVERTURNED)
    thread.refresh_from_db()
    assert not thread.locked


def test_deleting_a_thread_needs_a_rule_tells_the_author_and_an_overturn_restores_it(
        thread, moderator, second_moderator, rule, author):
    before = _state()
    with pytest.raises(ValidationError) as caught:
        actions.thread_delete(actor=moderator, thread=thread, rule=None)
    assert "rule" in caught.value.message_dict
    assert _state() == before
    action = actions.thread_delete(actor=moderator, thread=thread, rule=rule, note="Duplicate")
    thread.refresh_from_db()
    assert thread.deleted_at is not None and action.kind == "delete_thread" and action.subject == author
    assert AuditEntry.objects.get(verb="thread.delete").reason == "No personal attacks"
    assert AuditEntry.objects.get(verb="moderation.delete_thread").data["note"] == "Duplicate"
    with translation.override("fr"):
        assert texts.describe(Notification.objects.get(recipient=author)) == (
            "Les modérateurs ont supprimé votre discussion « Wells of Idlib ». Règle : Pas d'attaques personnelles.")
    with pytest.raises(ValidationError) as caught:
        actions.thread_delete(actor=moderator, thread=thread, rule=rule)
    assert caught.value.code == "unchanged"
    appeal = services.appeal_create(actor=author, action=action, statement="Not a duplicate.")
    services.appeal_decide(actor=second_moderator, appeal=appeal, outcome=Appeal.Outcome.OVERTURNED)
    thread.refresh_from_db()
    assert thread.deleted_at is None
    assert AuditEntry.objects.filter(verb="thread.restore", actor=second_moderator).exists()


def test_restoring_a_thread_under_a_rule_is_told_but_not_appealable(thread, moderator, rule, author):
    actions.thread_delete(actor=moderator, thread=thread, rule=rule)
    action = actions.thread_delete(actor=moderator, thread=thread, deleted=False, rule=rule)
    thread.refresh_from_db()
    assert thread.deleted_at is None and action.kind == "restore_thread"
    with pytest.raises(PermissionDenied):
        services.appeal_create(actor=author, action=action, statement="Why?")


def test_move_needs_both_categories_moderated_and_is_undone_on_appeal(
        thread, make_user, give_mfa, make_category, rule, author, second_moderator):
    here = thread.category
    mod = give_mfa(make_user(role="member"))
    here.moderators.add(mod)
    foreign = make_category()
    before = _state()
    with pytest.raises(PermissionDenied) as caught:
        actions.thread_move(actor=mod, thread=thread, category=foreign, rule=rule)
    assert "categories you moderate" in str(caught.value)
    assert _state() == before
    target = make_category(moderators=[mod])
    action = actions.thread_move(actor=mod, thread=thread, category=target, rule=rule)
    thread.refresh_from_db()
    assert thread.category == target and action.data["from"] == here.pk
    assert ReviewItem.objects.get(pk=action.item_id).category == target
    appeal = services.appeal_create(actor=author, action=action, statement="It belongs there.")
    services.appeal_decide(actor=second_moderator, appeal=appeal, outcome=Appeal.Outcome.OVERTURNED)
    thread.refresh_from_db()
    assert thread.category == here


def test_split_under_a_rule_tells_the_author_of_the_new_opening_post(thread, make_post, make_user, moderator, rule,
                                                                      category):
    writer = make_user(role="member", preferred_language="fr")
    off = make_post(thread=thread, author=writer, source="Electricity")
    below = make_post(thread=thread, parent=off, source="More electricity")
    action = actions.thread_split(actor=moderator, thread=thread, post_ids=[off.pk], category=category,
                                  title="Electricity", rule=rule, note="Separate topic")
    new = Thread.objects.get(pk=action.data["new_thread"])
    assert set(new.posts.values_list("pk", flat=True)) == {off.pk, below.pk}
    assert action.kind == "split" and action.subject == writer
    assert AuditEntry.objects.filter(verb="thread.split").exists()
    with translation.override("en"):
        assert texts.describe(Notification.objects.get(recipient=writer, kind="system")) == (
            "The moderators moved replies to a new thread, “Electricity”. Rule: No personal attacks.")


def test_an_overturned_split_puts_the_posts_back_and_removes_the_new_thread(
        thread, make_post, make_user, moderator, second_moderator, rule, category, make_category):
    from forum.categories.models import Category

    writer = make_user(role="member")
    off = make_post(thread=thread, author=writer, source="Electricity")
    below = make_post(thread=thread, parent=off, source="More electricity")
    tree = list(Post.objects.filter(thread=thread).order_by("pk").values_list("pk", "parent_id", "path", "depth"))
    counters = list(Category.objects.order_by("pk").values_list("pk", "thread_count", "post_count"))
    elsewhere = make_category()
    action = actions.thread_split(actor=moderator, thread=thread, post_ids=[off.pk], category=elsewhere,
                                  title="Electricity", rule=rule)
    new_id = action.data["new_thread"]
    later = make_post(thread=Thread.objects.get(pk=new_id), parent=Post.objects.get(pk=below.pk), source="Since")
    appeal = services.appeal_create(actor=writer, action=action, statement="It was on topic.")
    services.appeal_decide(actor=second_moderator, appeal=appeal, outcome=Appeal.Outcome.OVERTURNED)
    assert not Thread.objects.filter(pk=new_id).exists()
    rows = list(Post.objects.filter(thread=thread).order_by("pk").values_list("pk", "parent_id", "path", "depth"))
    assert rows[:-1] == tree and rows[-1][:2] == (later.pk, below.pk)
    thread.refresh_from_db()
    assert thread.reply_count == 4 and thread.last_post_id == later.pk  # 3 before, and the one written since
    after = {pk: (t, p) for pk, t, p in Category.objects.values_list("pk", "thread_count", "post_count")}
    before = {pk: (t, p) for pk, t, p in counters}
    assert after[thread.category_id] == (before[thread.category_id][0], before[thread.category_id][1] + 1)
    assert after[elsewhere.pk] == (0, 0)
    assert ReviewItem.objects.get(pk=action.item_id).category_id == thread.category_id
    assert AuditEntry.objects.get(verb="thread.split.undo").data["appeal_of"] == action.pk


def test_an_overturned_split_whose_thread_is_gone_is_refused_and_changes_nothing(
        thread, make_post, make_user, moderator, second_moderator, rule, category):
    writer = make_user(role="member")
    off = make_post(thread=thread, author=writer, source="Electricity")
    action = actions.thread_split(actor=moderator, thread=thread, post_ids=[off.pk], category=category,
                                  title="Electricity", rule=rule)
    appeal = services.appeal_create(actor=writer, action=action, statement="It was on topic.")
    Thread.objects.filter(pk=action.data["new_thread"]).delete()  # gone by another route (the admin)
    before = _state()
    with pytest.raises(ValidationError) as caught:
        services.appeal_decide(actor=second_moderator, appeal=appeal, outcome=Appeal.Outcome.OVERTURNED)
    assert caught.value.code == "gone"
    assert _state() == before and Appeal.objects.get(pk=appeal.pk).outcome == "pending"


def test_split_with_forged_or_foreign_posts_is_refused(thread, make_thread, moderator, rule, category):
    other = make_thread(category=category)
    before = _state()
    for ids in ([other.posts.get().pk], [10**9], ["x"]):
        with pytest.raises(ValidationError) as caught:
            actions.thread_split(actor=moderator, thread=thread, post_ids=ids, category=category, title="T", rule=rule)
        assert "posts" in caught.value.message_dict
    assert _state() == before


def test_another_moderators_claim_holds_for_thread_actions(post, moderator, second_moderator, rule):
    item = actions.item_for_post(post.thread.posts.get(depth=0))
    services.item_claim(actor=second_moderator, item=item)
    before = _state()
    with pytest.raises(PermissionDenied):
        actions.thread_lock(actor=moderator, thread=post.thread, locked=True, rule=rule)
    assert _state() == before


# --- Warnings, scope, bans -----------------------------------------------------------------------

@pytest.fixture
def item(post, make_user, flag_post):
    return flag_post(post, make_user(role="member"), reason="harassment").item


def test_a_warning_from_the_queue_is_a_restriction_the_member_sees_on_their_standing(item, moderator, rule, author,
                                                                                      client):
    services.item_act(actor=moderator, item=item, kind="warn", rule=rule, note="Mind your words")
    warning = Restriction.objects.get(user=author)
    assert (warning.kind, warning.scope, warning.object_id, warning.ends_at) == (
        "warning", "category", item.category_id, None)
    assert Action.objects.get(kind="warn").restriction_id == warning.pk
    client.force_login(author)
    page = client.get("/me/standing/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No personal attacks" in page


@pytest.mark.parametrize(("kind", "scope", "expected"), [
    ("mute", "site", ("mute", "site")), ("suspend", "category", ("suspension", "category")),
    ("warn", "site", ("warning", "site")), ("mute", "", ("mute", "category")),
])
def test_a_global_moderator_chooses_where_a_sanction_applies(item, moderator, rule, author, kind, scope, expected):
    services.item_act(actor=moderator, item=item, kind=kind, rule=rule, scope=scope, days=2)
    restriction = Restriction.objects.get(user=author)
    assert (restriction.kind, restriction.scope) == expected
    assert restriction.object_id == (item.category_id if expected[1] == "category" else None)


def test_a_category_moderator_cannot_sanction_on_the_whole_site_nor_ban(item, post, make_user, give_mfa, rule):
    here = give_mfa(make_user(role="member"))
    post.thread.category.moderators.add(here)
    before = _state()
    with pytest.raises(PermissionDenied):
        services.item_act(actor=here, item=item, kind="suspend", rule=rule, scope="site")
    with pytest.raises(PermissionDenied) as caught:
        services.item_act(actor=here, item=item, kind="ban", rule=rule, scope="category")
    assert "ban" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        services.item_act(actor=here, item=item, kind="mute", rule=rule, scope="planet")
    assert "scope" in caught.value.message_dict
    assert _state() == before
    services.item_act(actor=here, item=item, kind="mute", rule=rule, scope="category", days=1)
    assert Restriction.objects.get().scope == "category"


def test_a_ban_by_a_global_moderator_has_no_end_and_an_overturn_lifts_it(item, moderator, second_moderator, rule,
                                                                         author):
    action = services.item_act(actor=moderator, item=item, kind="ban", rule=rule, days=5)
    ban = Restriction.objects.get(user=author)
    assert (ban.kind, ban.scope, ban.ends_at) == ("ban", "site", None)
    appeal = services.appeal_create(actor=author, action=action, statement="Too harsh.")
    services.appeal_decide(actor=second_moderator, appeal=appeal, outcome=Appeal.Outcome.OVERTURNED)
    ban.refresh_from_db()
    assert ban.lifted_at is not None


# --- The second moderator ------------------------------------------------------------------------

@pytest.fixture
def pending(make_user, make_thread, make_post, category, flag_post, moderator, rule):
    representative = make_user(role="representative")
    post = make_post(thread=make_thread(category=category), author=representative)
    item = flag_post(post, make_user(role="member")).item
    services.item_act(actor=moderator, item=item, kind="suspend", rule=rule, days=3)
    restriction = Restriction.objects.get(user=representative)
    assert restriction.pending_confirmation
    return restriction


def test_a_second_moderator_confirms_and_the_sanction_applies(pending, second_moderator):
    from forum.accounts import permissions as accounts

    actions.restriction_decide(actor=second_moderator, restriction=pending, confirm=True, note="Agreed")
    pending.refresh_from_db()
    assert not pending.pending_confirmation and pending.confirmed_by == second_moderator
    accounts.forget(pending.user)
    assert accounts.is_suspended(pending.user)
    assert AuditEntry.objects.filter(verb="restriction.confirmation.confirmed", actor=second_moderator).exists()


def test_a_second_moderator_rejects_and_the_sanction_is_withdrawn(pending, second_moderator):
    actions.restriction_decide(actor=second_moderator, restriction=pending, confirm=False, note="Too harsh")
    pending.refresh_from_db()
    assert pending.lifted_at is not None and pending.pending_confirmation


def test_the_same_moderator_and_a_decided_sanction_are_refused(pending, moderator, second_moderator, make_user,
                                                               give_mfa):
    before = _state()
    with pytest.raises(PermissionDenied) as caught:
        actions.restriction_decide(actor=moderator, restriction=pending, confirm=True)
    assert "Another moderator" in str(caught.value)
    with pytest.raises((PermissionDenied, Http404)):
        actions.restriction_decide(actor=give_mfa(make_user(role="member")), restriction=pending, confirm=True)
    assert _state() == before
    actions.restriction_decide(actor=second_moderator, restriction=pending, confirm=True)
    third = give_mfa(make_user(role="moderator"))
    before = _state()
    for confirm in (True, False):
        with pytest.raises(ValidationError) as caught:
            actions.restriction_decide(actor=third, restriction=pending, confirm=confirm)
        assert "not awaiting confirmation" in caught.value.messages[0]
    assert _state() == before
