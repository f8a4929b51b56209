"""Thread services: open a thread, rename it, and the moderator's pin, lock, move, delete and restore.

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
from ..models import Post, Thread
from ._common import _category_of, _check_post_rate, _place_in_tree, _speaker, _touch
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
