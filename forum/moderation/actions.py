"""Moderation's actions on content beyond hiding and deleting — edit a post for policy, lock or
unlock, move and split a thread — and the second moderator's confirmation of a sanction.

Services like those of `services`: the acting user first, one transaction, permission checked
before anything is written, a rule required and a note allowed, an `Action` row (what the
transparency page counts and the author may appeal) and an audit entry, the content changed only
through `forum.discussions.services` (which check, audit and broadcast themselves), the author told
in-app and by email in their language.

Actions taken from the thread page (not from a flag) are filed under the post's review item — for a
thread, its opening post's — created for the occasion with no flags and already "actioned": scope,
claims, history and appeals then work as for flagged content, and the queue does not list it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.accounts import services as accounts
from forum.audit.services import record
from forum.discussions import services as discussions
from forum.discussions.models import Post, Thread

from . import items, permissions
from .models import Action, ReviewItem
from .services import _clean_note, _clean_rule, _locked, _notify_subject, queue_changed_on_commit


def _opening_post(thread: Thread) -> Post:
    return (Post.objects.select_related("thread", "thread__category", "author")
            .filter(thread_id=thread.pk, parent__isnull=True).order_by("pk").first())


def item_for_post(post: Post) -> ReviewItem:
    """The review item of `post`, made (with no flags, not in the queue) when it has none; locked."""
    defaults = {"category_id": post.thread.category_id, "author_id": post.author_id,
                "first_flagged_at": timezone.now(), "state": ReviewItem.State.ACTIONED,
                "resolved_at": timezone.now()}
    try:
        with transaction.atomic():
            ReviewItem.objects.get_or_create(kind="post", object_id=post.pk, defaults=defaults)
    except IntegrityError:  # made by a flag or another moderator at the same moment
        pass
    item = _locked(ReviewItem.objects.get(kind="post", object_id=post.pk))
    if item.category_id != post.thread.category_id:  # the thread was moved since
        item.category_id = post.thread.category_id
        item.save(update_fields=["category"])
        item = _locked(item)
    return item


def _decide(*, actor, item: ReviewItem, kind: str, rule, note: str, data: dict | None = None) -> Action:
    """The Action row, the claim check (another moderator reviewing it has it), open flags closed."""
    permissions.check_act_on_item(actor, item)
    action = Action.objects.create(item=item, kind=kind, rule=rule, note=note, actor=actor,
                                   subject_id=item.author_id, data=data or {})
    if item.flags.filter(state="open").update(state="actioned"):
        item.state, item.resolved_at = ReviewItem.State.ACTIONED, timezone.now()
    item.claimed_by, item.claimed_at = None, None
    item.save()
    queue_changed_on_commit(item)
    return action


def _finish(action: Action, *, actor, item: ReviewItem, post: Post, data: dict) -> Action:
    record(actor=actor, verb=f"moderation.{action.kind}", target=item, reason=action.rule.title_en,
           data={**data, "action": action.pk, "kind": item.kind, "object_id": item.object_id})
    _notify_subject(action, adapter=items.adapter("post"), obj=post)
    return action


@transaction.atomic
def post_edit_for_policy(*, actor, post: Post, source: str, rule, note: str = "") -> Action:
    """Change someone's post to bring it within `rule` (remove a phone number, an address): the text
    before goes to the audit log only; readers and the author see "edited by moderators: <rule>"."""
    permissions.check_edit_post_for_policy(actor, post)
    rule = _clean_rule(rule)
    note = _clean_note(note)
    item = item_for_post(post)
    action = _decide(actor=actor, item=item, kind=Action.Kind.EDIT, rule=rule, note=note)
    data = {"review_item": item.pk, "rule": rule.pk, "note": note}
    decision = reverse("moderation:action", kwargs={"action_id": action.pk})
    discussions.post_edit_for_policy(actor=actor, post=post, source=source, reason=rule.title_en,
                                     reason_titles={**rule.titles(), "decision": decision},
                                     audit_data={**data, "action": action.pk})  # what an appeal undoes
    return _finish(action, actor=actor, item=item, post=post, data=data)


def _thread_item(thread: Thread) -> tuple[ReviewItem, Post]:
    opening = _opening_post(thread)
    if opening is None:
        raise ValidationError(_("This thread has no opening post."), code="no_root")
    return item_for_post(opening), opening


@transaction.atomic
def thread_lock(*, actor, thread: Thread, locked: bool, rule, note: str = "") -> Action:
    """Lock a thread (no more replies) or unlock it, under a rule; the thread's author is told."""
    permissions.check_lock_thread(actor, thread)
    rule = _clean_rule(rule)
    note = _clean_note(note)
    thread = Thread.objects.select_related("category").get(pk=thread.pk)
    if thread.locked == bool(locked):
        raise ValidationError(_("The thread is already locked.") if locked else _("The thread is not locked."),
                              code="unchanged")
    item, opening = _thread_item(thread)
    kind = Action.Kind.LOCK if locked else Action.Kind.UNLOCK
    action = _decide(actor=actor, item=item, kind=kind, rule=rule, note=note, data={"thread": thread.pk})
    data = {"review_item": item.pk, "rule": rule.pk, "note": note, "thread": thread.pk}
    discussions.thread_lock(actor=actor, thread=thread, locked=bool(locked), reason=rule.title_en)
    return _finish(action, actor=actor, item=item, post=opening, data=data)


@transaction.atomic
def thread_delete(*, actor, thread: Thread, deleted: bool = True, rule, note: str = "") -> Action:
    """Delete a thread (only its category's moderators still see it) or restore a deleted one, under a
    rule; the thread's author is told and may appeal a deletion (overturned: restored)."""
    permissions.check_delete_thread(actor, thread)
    rule = _clean_rule(rule)
    note = _clean_note(note)
    thread = Thread.objects.select_related("category").get(pk=thread.pk)
    if (thread.deleted_at is not None) == bool(deleted):
        raise ValidationError(_("The thread is already deleted.") if deleted else _("The thread is not deleted."),
                              code="unchanged")
    item, opening = _thread_item(thread)
    kind = Action.Kind.DELETE_THREAD if deleted else Action.Kind.RESTORE_THREAD
    action = _decide(actor=actor, item=item, kind=kind, rule=rule, note=note, data={"thread": thread.pk})
    data = {"review_item": item.pk, "rule": rule.pk, "note": note, "thread": thread.pk}
    if deleted:
        discussions.thread_delete(actor=actor, thread=thread, reason=rule.title_en)
    else:
        discussions.thread_restore(actor=actor, thread=thread, reason=rule.title_en)
    return _finish(action, actor=actor, item=item, post=opening, data=data)


@transaction.atomic
def thread_move(*, actor, thread: Thread, category, rule, note: str = "") -> Action:
    """Move a thread to another category; the moderator must moderate both."""
    permissions.check_move_thread(actor, thread, category)
    rule = _clean_rule(rule)
    note = _clean_note(note)
    thread = Thread.objects.select_related("category").get(pk=thread.pk)
    origin = thread.category_id
    item, opening = _thread_item(thread)
    action = _decide(actor=actor, item=item, kind=Action.Kind.MOVE, rule=rule, note=note,
                     data={"thread": thread.pk, "from": origin, "to": category.pk})
    data = {"review_item": item.pk, "rule": rule.pk, "note": note, "thread": thread.pk}
    discussions.thread_move(actor=actor, thread=thread, category=category, reason=rule.title_en)
    ReviewItem.objects.filter(pk=item.pk).update(category=category)
    opening.thread = thread
    return _finish(action, actor=actor, item=item, post=opening, data=data)


@transaction.atomic
def thread_split(*, actor, thread: Thread, post_ids, category, title: str, rule, note: str = "") -> Action:
    """Move chosen replies (with the replies below them) to a new thread titled `title` in
    `category`; the author of the new thread's opening post is told."""
    permissions.check_split_thread(actor, thread, category)
    rule = _clean_rule(rule)
    note = _clean_note(note)
    thread = Thread.objects.select_related("category").get(pk=thread.pk)
    item, opening = _thread_item(thread)
    permissions.check_act_on_item(actor, item)
    data = {"review_item": item.pk, "rule": rule.pk, "note": note, "thread": thread.pk}
    new = discussions.thread_split(actor=actor, thread=thread, post_ids=post_ids, category=category, title=title,
                                   reason=rule.title_en, audit_data=data)
    new_opening = _opening_post(new)
    new_item = item_for_post(new_opening)
    action = _decide(actor=actor, item=new_item, kind=Action.Kind.SPLIT, rule=rule, note=note,
                     data={"thread": thread.pk, "new_thread": new.pk})
    return _finish(action, actor=actor, item=new_item, post=new_opening, data={**data, "new_thread": new.pk})


# --- Undo on appeal ------------------------------------------------------------------------------

UNDONE_HERE = (Action.Kind.LOCK, Action.Kind.UNLOCK, Action.Kind.MOVE, Action.Kind.EDIT, Action.Kind.SPLIT,
               Action.Kind.DELETE_THREAD)


def _kept_by(action: Action, *, verb: str, target_type: str, target_id) -> dict:
    """The audit entry the content service wrote for `action` (what it changed, the text before): the
    one naming the action, else (entries written before they named it) the first after it."""
    from forum.audit.models import AuditEntry

    entries = AuditEntry.objects.filter(verb=verb, target_type=target_type, target_id=str(target_id))
    entry = (entries.filter(data__action=action.pk).order_by("created_at", "id").first()
             or entries.filter(created_at__gte=action.created_at).order_by("created_at", "id").first())
    return (entry.data or {}) if entry is not None else {}


def _undo_edit(action: Action, *, actor, reason: str, data: dict) -> None:
    post = Post.objects.select_related("thread", "thread__category", "author").filter(
        pk=action.item.object_id if action.item is not None else None).first()
    if post is None:
        return
    kept = _kept_by(action, verb="post.edit_for_policy", target_type="discussions.post", target_id=post.pk)
    if "before" not in kept:
        raise ValidationError(_("The text before the edit is not in the audit log: it cannot be brought back."),
                              code="no_text")
    discussions.post_edit_for_policy_undo(actor=actor, post=post, before=kept["before"],
                                          revisions=kept.get("revisions") or [],
                                          revision_meta=kept.get("revision_meta"), reason=reason, audit_data=data)


def _undo_split(action: Action, *, actor, reason: str, data: dict) -> None:
    threads = Thread.objects.select_related("category").in_bulk(
        [pk for pk in (action.data.get("thread"), action.data.get("new_thread")) if pk])
    thread, new = threads.get(action.data.get("thread")), threads.get(action.data.get("new_thread"))
    if thread is None or new is None:
        raise ValidationError(_("The split thread no longer exists: there is nothing to put back."), code="gone")
    kept = _kept_by(action, verb="thread.split", target_type="discussions.thread", target_id=new.pk)
    discussions.thread_split_undo(actor=actor, thread=thread, new=new, parents=kept.get("parents") or {},
                                  reason=reason, audit_data=data)
    if action.item_id is not None:  # the split thread's opening post is back in the thread's category
        ReviewItem.objects.filter(pk=action.item_id).update(category_id=thread.category_id)


def undo(action: Action, *, actor, reason: str) -> bool:
    """Overturning a thread action or an edit for policy puts things back; True when this module
    handled `action` (its kind is one of UNDONE_HERE):

    - a lock or an unlock: unlocked / locked again; a move: moved back (unless moved back already);
    - a thread's deletion: restored (unless restored already);
    - an edit for policy: the author's text before it comes back, with the revisions it erased
      (`discussions.services.post_edit_for_policy_undo`);
    - a split: every post of the split thread goes back where it was, replies written there since
      with them, and the emptied thread is deleted (`discussions.services.thread_split_undo`)."""
    if action.kind not in UNDONE_HERE:
        return False
    data = {"appeal_of": action.pk}
    if action.kind == Action.Kind.EDIT:
        _undo_edit(action, actor=actor, reason=reason, data=data)
        return True
    if action.kind == Action.Kind.SPLIT:
        _undo_split(action, actor=actor, reason=reason, data=data)
        return True
    thread = Thread.objects.filter(pk=(action.data or {}).get("thread")).select_related("category").first()
    if thread is None:
        return True
    if action.kind == Action.Kind.DELETE_THREAD:
        if thread.deleted_at is not None:
            discussions.thread_restore(actor=actor, thread=thread, reason=reason)
    elif action.kind in (Action.Kind.LOCK, Action.Kind.UNLOCK):
        if thread.locked == (action.kind == Action.Kind.LOCK):
            discussions.thread_lock(actor=actor, thread=thread, locked=action.kind == Action.Kind.UNLOCK,
                                    reason=reason)
    else:
        from forum.categories.models import Category

        origin = Category.objects.filter(pk=action.data.get("from")).first()
        if origin is not None and origin.pk != thread.category_id:
            discussions.thread_move(actor=actor, thread=thread, category=origin, reason=reason)
    return True


# --- A second moderator confirms a sanction --------------------------------------------------------

@transaction.atomic
def restriction_decide(*, actor, restriction, confirm: bool, note: str = ""):
    """A moderator other than the one who imposed it confirms a suspension or ban awaiting a second
    moderator (it applies from now) or rejects it (it is withdrawn). Audited; the member is told of
    a confirmation by the restriction itself (their standing page). Decided ones are refused."""
    from forum.accounts.models import Restriction

    current = Restriction.objects.select_for_update().select_related("user").get(pk=restriction.pk)
    permissions.check_confirm_restriction(actor, current)
    note = _clean_note(note)
    if not current.pending_confirmation or current.lifted_at is not None:
        raise ValidationError(_("This restriction is not awaiting confirmation: another moderator decided it."),
                              code="not_pending")
    if confirm:
        accounts.restriction_confirm(actor=actor, restriction=current)
    else:
        accounts.restriction_lift(actor=actor, restriction=current, reason=note or _("Rejected by a second moderator"))
    record(actor=actor, verb="restriction.confirmation." + ("confirmed" if confirm else "rejected"), target=current,
           reason=note, data={"user": current.user_id, "kind": current.kind, "imposed_by": current.created_by_id})
    return current
