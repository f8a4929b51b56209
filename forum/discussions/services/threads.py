"""Thread services: open a thread, rename it, and the moderator's pin, lock, move, split, delete and restore.

See the `services` package docstring for what every service does; the counters these writes keep
are described in `_common`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.audit.services import record
from forum.categories.models import Category
from forum.core import screening

from .. import activity, attachments, permissions
from ..models import MAX_TREE_DEPTH, Post, ReadState, Subscription, Thread
from ._common import _category_of, _check_post_rate, _place_in_tree, _segment, _speaker, _touch
from .posts import _render, clean_source, clean_title, hold_fields, review_reasons, send_for_review

# --- Open and rename ---------------------------------------------------------------------------

@transaction.atomic
def thread_create(*, author, category, title: str, source: str, on_behalf_of: bool = False) -> Thread:
    """Open a thread with its first post; watchers of the category hear of it after commit."""
    permissions.check_start_thread(author, category)
    errors = {}
    try:
        title = clean_title(title)
    except ValidationError as e:
        errors.update(e.message_dict)
    try:
        source = clean_source(source)
    except ValidationError as e:
        errors.update(e.message_dict)
    if errors:
        raise ValidationError(errors)
    title_verdict, source_verdict = screening.screen(title), screening.screen(source)
    screening.check_not_blocked(title_verdict, "title")
    screening.check_not_blocked(source_verdict, "source")
    organisation = _speaker(author, on_behalf_of)
    _check_post_rate(author)
    now = timezone.now()
    reasons, held = review_reasons(author=author, category=category,
                                   verdict=screening.strongest([title_verdict, source_verdict]))
    thread = Thread.objects.create(category=category, title=title, author=author, on_behalf_of=organisation,
                                   last_activity_at=now, awaiting_review=held)
    post = Post.objects.create(thread=thread, author=author, on_behalf_of=organisation, source=source,
                               html=_render(source, writer=author),
                               fanout_pending_at=None if held else activity.fanout_stamp(), **hold_fields(held))
    _place_in_tree(post, None)
    attachments.attachments_claim_for_post(post=post, author=author)
    if not held:  # a held thread is counted and announced when its opening post is approved
        _touch(thread, post, new_thread=True)
        activity.on_thread_created(thread, post)
    send_for_review(post, reasons=reasons, held=held)
    return thread


@transaction.atomic
def thread_rename(*, actor, thread: Thread, title: str) -> Thread:
    """Change the title (the author while they may edit the opening post, or a moderator)."""
    permissions.check_rename_thread(actor, thread)
    title = clean_title(title)
    screening.check_not_blocked(screening.screen(title), "title")
    if title == thread.title:
        return thread
    previous = thread.title
    thread.title = title
    thread.save(update_fields=["title"])
    if actor.pk != thread.author_id:
        record(actor=actor, verb="thread.rename", target=thread, data={"from": previous, "to": title})
    activity.on_thread_changed(thread)
    return thread


# --- Moderation --------------------------------------------------------------------------------

def _thread_flag_set(*, actor, thread: Thread, field: str, value: bool, verbs: tuple[str, str],
                     reason: str) -> Thread:
    """Set a moderator flag (pinned, locked): saved, audited and announced only when it changes."""
    if getattr(thread, field) != value:
        setattr(thread, field, value)
        thread.save(update_fields=[field])
        record(actor=actor, verb=verbs[0] if value else verbs[1], target=thread, reason=reason)
        activity.on_thread_changed(thread)
    return thread


@transaction.atomic
def thread_pin(*, actor, thread: Thread, pinned: bool = True, reason: str = "") -> Thread:
    permissions.check_pin_thread(actor, thread)
    return _thread_flag_set(actor=actor, thread=thread, field="pinned", value=pinned,
                            verbs=("thread.pin", "thread.unpin"), reason=reason)


@transaction.atomic
def thread_lock(*, actor, thread: Thread, locked: bool = True, reason: str = "") -> Thread:
    permissions.check_lock_thread(actor, thread)
    return _thread_flag_set(actor=actor, thread=thread, field="locked", value=locked,
                            verbs=("thread.lock", "thread.unlock"), reason=reason)


@transaction.atomic
def thread_move(*, actor, thread: Thread, category, reason: str = "") -> Thread:
    """Move a thread to another category; both categories' counters follow."""
    permissions.check_move_thread(actor, thread, category)
    if category.pk == thread.category_id:
        raise ValidationError({"category": _("The thread is already in this category.")}, code="same_category")
    source_category = thread.category
    # Lock the thread first: a reply, delete or hide of this thread committed before is counted
    # here, one after lands in the new category (see "Counters" in `_common`).
    deleted_at = Thread.objects.select_for_update().filter(pk=thread.pk).values_list("deleted_at", flat=True).get()
    if deleted_at is None:  # a deleted thread counts nowhere, before and after
        posts = Post.objects.filter(thread=thread, deleted_at__isnull=True, hidden_at__isnull=True).count()
        Category.objects.filter(pk=_category_of(thread.pk)).update(
            thread_count=Greatest(F("thread_count") - 1, 0), post_count=Greatest(F("post_count") - posts, 0))
        Category.objects.filter(pk=category.pk).update(thread_count=F("thread_count") + 1,
                                                       post_count=F("post_count") + posts)
    thread.category = category
    thread.save(update_fields=["category"])
    record(actor=actor, verb="thread.move", target=thread, reason=reason,
           data={"from": source_category.pk, "to": category.pk})
    activity.on_thread_changed(thread)
    return thread


def _thread_deleted_set(*, actor, thread: Thread, deleted: bool, reason: str) -> Thread:
    """Delete or restore: the category's counters follow, audited and announced when it changes."""
    # The thread row first, as every counted write does (see "Counters" in `_common`); then its posts',
    # so the count is of rows nobody changes until this commits.
    current = Thread.objects.select_for_update().values("deleted_at", "category_id").get(pk=thread.pk)
    thread.deleted_at, thread.category_id = current["deleted_at"], current["category_id"]
    if (thread.deleted_at is not None) == deleted:
        return thread
    states = Post.objects.select_for_update().filter(thread_id=thread.pk).order_by("pk").values_list(
        "deleted_at", "hidden_at")
    posts = sum(1 for deleted_at, hidden_at in states if deleted_at is None and hidden_at is None)
    delta = -1 if deleted else 1
    Category.objects.filter(pk=thread.category_id).update(
        thread_count=Greatest(F("thread_count") + delta, 0), post_count=Greatest(F("post_count") + delta * posts, 0))
    thread.deleted_at = timezone.now() if deleted else None
    thread.save(update_fields=["deleted_at"])
    record(actor=actor, verb="thread.delete" if deleted else "thread.restore", target=thread, reason=reason,
           data={"category": thread.category_id, "posts": posts})
    activity.on_thread_changed(thread)  # open pages: readers who lost it are closed out
    return thread


@transaction.atomic
def thread_delete(*, actor, thread: Thread, reason: str) -> Thread:
    """A moderator deletes a thread: only the category's moderators still see it (and may restore
    it); it leaves the category's counters and the search index. Audited with the reason."""
    permissions.check_delete_thread(actor, thread)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the thread is deleted: the audit log keeps it.")},
                              code="no_reason")
    return _thread_deleted_set(actor=actor, thread=thread, deleted=True, reason=reason)


@transaction.atomic
def thread_restore(*, actor, thread: Thread, reason: str = "") -> Thread:
    """A moderator brings a deleted thread back, as it was; audited."""
    permissions.check_delete_thread(actor, thread)
    return _thread_deleted_set(actor=actor, thread=thread, deleted=False, reason=(reason or "").strip())


# --- Split -------------------------------------------------------------------------------------

def _split_posts(thread: Thread, post_ids) -> list[Post]:
    """The chosen posts of `thread` and every reply below them, locked, in id order (parents first).

    Refuses nothing chosen, ids that are not numbers, posts of other threads or that do not exist
    (forged ids), the opening post, and taking every post (that is a move)."""
    try:
        ids = {int(pk) for pk in post_ids or ()}
    except (TypeError, ValueError):
        raise ValidationError({"posts": _("Choose posts of this thread.")}, code="bad_posts") from None
    if not ids:
        raise ValidationError({"posts": _("Choose at least one reply to move to the new thread.")}, code="no_posts")
    chosen = list(Post.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(chosen) != len(ids) or any(p.thread_id != thread.pk for p in chosen):
        raise ValidationError({"posts": _("Choose posts of this thread.")}, code="other_thread")
    if any(p.depth == 0 for p in chosen):
        raise ValidationError({"posts": _("The opening post stays: choose replies.")}, code="opening_post")
    below = Post.objects.none()
    for p in chosen:
        below = below | Post.objects.filter(thread_id=thread.pk, path__startswith=p.path + "/")
    extra = list(below.exclude(pk__in=ids).select_for_update().order_by("pk"))
    return sorted(chosen + extra, key=lambda p: p.pk)


def _counts(post: Post) -> bool:
    return post.deleted_at is None and post.hidden_at is None


@transaction.atomic
def thread_split(*, actor, thread: Thread, post_ids, category, title: str, reason: str,
                 audit_data: dict | None = None) -> Thread:
    """A moderator moves replies (each with the replies below it) to a new thread in `category`.

    The earliest moved post opens the new thread; moved posts whose parent stays behind answer it.
    One transaction: both threads' reply counts and latest posts, both categories' counters, the
    search documents (moved posts are re-indexed), read marks (whoever had read the thread up to a
    post has read the moved posts up to it too) and followers (who watched or tracked the thread
    follows the new one). Nobody is notified of "new" posts: they are not new. Audited."""
    from ..signals import posts_rerendered

    permissions.check_move_thread(actor, thread, category)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the thread is split: the audit log keeps it.")},
                              code="no_reason")
    title = clean_title(title)
    # The thread's row first, as every counted write does (see "Counters" in `_common`).
    current = Thread.objects.select_for_update().values("deleted_at", "category_id").get(pk=thread.pk)
    if current["deleted_at"] is not None:
        raise ValidationError(_("This thread is deleted: restore it before splitting it."), code="deleted")
    moved = _split_posts(thread, post_ids)
    remaining = Post.objects.filter(thread_id=thread.pk).exclude(pk__in=[p.pk for p in moved])
    counted = sum(1 for p in moved if _counts(p))
    root = moved[0]
    # Where each moved post answered (an overturned appeal puts them back: `thread_split_undo`).
    parents = {str(p.pk): p.parent_id for p in moved}
    new = Thread.objects.create(category=category, title=title, author=root.author,
                                on_behalf_of=root.on_behalf_of, last_activity_at=moved[-1].created_at,
                                last_post_id=moved[-1].pk,
                                reply_count=sum(1 for p in moved[1:] if _counts(p)))
    by_id = {p.pk: p for p in moved}
    for p in moved:
        p.thread = new
        if p is root:
            p.parent = None
            p.path, p.depth = _segment(p.pk), 0
        else:
            parent = by_id.get(p.parent_id) or root
            p.parent = parent
            if parent.depth >= MAX_TREE_DEPTH:
                p.path, p.depth = parent.path.rsplit("/", 1)[0] + "/" + _segment(p.pk), MAX_TREE_DEPTH
            else:
                p.path, p.depth = parent.path + "/" + _segment(p.pk), parent.depth + 1
    Post.objects.bulk_update(moved, ["thread", "parent", "path", "depth"])
    # The thread left behind: fewer replies, its latest post among those that stay.
    last = remaining.order_by("-pk").values("pk", "created_at").first()
    Thread.objects.filter(pk=thread.pk).update(
        reply_count=Greatest(F("reply_count") - counted, 0),
        last_post_id=last["pk"] if last else None,
        **({"last_activity_at": last["created_at"]} if last else {}))
    Category.objects.filter(pk=current["category_id"]).update(post_count=Greatest(F("post_count") - counted, 0))
    Category.objects.filter(pk=category.pk).update(thread_count=F("thread_count") + 1,
                                                   post_count=F("post_count") + counted)
    ReadState.objects.bulk_create([
        ReadState(user_id=user_id, thread=new, last_read_post_id=mark)
        for user_id, mark in ReadState.objects.filter(thread_id=thread.pk).values_list("user_id", "last_read_post_id")])
    followers = Subscription.objects.filter(thread_id=thread.pk).exclude(level=Subscription.Level.MUTE)
    Subscription.objects.bulk_create([Subscription(user_id=user_id, thread=new, level=level)
                                      for user_id, level in followers.values_list("user_id", "level")])
    # Search: the moved posts' documents follow them (thread, category, the new opening post's title).
    posts_rerendered.send(sender=Post, post_ids=[p.pk for p in moved])
    thread.refresh_from_db()
    record(actor=actor, verb="thread.split", target=new, reason=reason,
           data={"from": thread.pk, "to": new.pk, "category": category.pk, "posts": [p.pk for p in moved],
                 "parents": parents, **(audit_data or {})})
    activity.on_thread_changed(thread)
    activity.on_thread_split(new)
    return new


@transaction.atomic
def thread_split_undo(*, actor, thread: Thread, new: Thread, parents: dict, reason: str,
                      audit_data: dict | None = None) -> Thread:
    """An appeal overturned a split: every post of the split thread `new` goes back into `thread`, and
    `new` (then empty) is deleted. One transaction, as the split:

    - each post the split moved answers again the post it answered (`parents`, from the split's audit
      entry; the opening post when that one has left `thread` since); a reply written in the split
      thread since comes along, under the post it answers (a reply to the split thread's opening post
      answers that post in its old place);
    - both threads' reply counts and latest posts, both categories' counters (a deleted thread
      counts nowhere), the search documents;
    - read marks: `thread`'s stand (a moved post was read or not as before the split); followers of
      `new` who did not follow `thread` follow it with the same level;
    - nobody is notified (the posts are not new); open pages of both threads update. Audited
      `thread.split.undo` on `thread`."""
    from ..signals import posts_rerendered

    permissions.check_move_thread(actor, new, thread.category)
    # Both threads' rows first (lower id first), as every counted write does.
    states = {row["pk"]: row for row in Thread.objects.select_for_update().filter(pk__in=[thread.pk, new.pk])
              .order_by("pk").values("pk", "deleted_at", "category_id")}
    if thread.pk not in states or new.pk not in states or thread.pk == new.pk:
        raise ValidationError(_("The split thread no longer exists: there is nothing to put back."), code="gone")
    moving = list(Post.objects.select_for_update().filter(thread_id=new.pk).order_by("pk"))
    staying = {p.pk: p for p in Post.objects.filter(thread_id=thread.pk).only("pk", "path", "depth", "parent_id")}
    opening = min((p for p in staying.values() if p.parent_id is None), key=lambda p: p.pk, default=None)
    if opening is None:
        raise ValidationError(_("This thread has no opening post."), code="no_root")
    by_id = dict(staying)
    counted = 0
    for p in moving:
        original = parents.get(str(p.pk))
        if str(p.pk) in parents:
            parent = by_id.get(original) if original is not None else None
        else:
            parent = by_id.get(p.parent_id)
        parent = parent or opening
        p.thread_id, p.parent_id = thread.pk, parent.pk
        if parent.depth >= MAX_TREE_DEPTH:
            p.path, p.depth = parent.path.rsplit("/", 1)[0] + "/" + _segment(p.pk), MAX_TREE_DEPTH
        else:
            p.path, p.depth = parent.path + "/" + _segment(p.pk), parent.depth + 1
        by_id[p.pk] = p
        counted += _counts(p)
    Post.objects.bulk_update(moving, ["thread", "parent", "path", "depth"])
    last = Post.objects.filter(thread_id=thread.pk).order_by("-pk").values("pk", "created_at").first()
    Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") + counted, last_post_id=last["pk"],
                                               last_activity_at=Greatest(F("last_activity_at"), last["created_at"]))
    if states[new.pk]["deleted_at"] is None:
        Category.objects.filter(pk=states[new.pk]["category_id"]).update(
            thread_count=Greatest(F("thread_count") - 1, 0), post_count=Greatest(F("post_count") - counted, 0))
    if states[thread.pk]["deleted_at"] is None:
        Category.objects.filter(pk=states[thread.pk]["category_id"]).update(post_count=F("post_count") + counted)
    following = set(Subscription.objects.filter(thread_id=thread.pk).values_list("user_id", flat=True))
    Subscription.objects.bulk_create([
        Subscription(user_id=user_id, thread_id=thread.pk, level=level)
        for user_id, level in Subscription.objects.filter(thread_id=new.pk).values_list("user_id", "level")
        if user_id not in following])
    posts_rerendered.send(sender=Post, post_ids=[p.pk for p in moving])
    thread.refresh_from_db()
    new.refresh_from_db()
    record(actor=actor, verb="thread.split.undo", target=thread, reason=reason,
           data={"from": new.pk, "to": thread.pk, "posts": [p.pk for p in moving], **(audit_data or {})})
    activity.on_thread_changed(new)  # its open pages: the thread is gone, their sockets are closed
    activity.on_thread_changed(thread)
    new.delete()
    return thread
