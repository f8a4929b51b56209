"""Every write in threads: open, reply, edit, delete, react, pin, lock, move, delete threads, count views.

Each service takes keyword arguments with the acting user, runs in one transaction, checks the
permission first, validates, saves, writes the audit entry for moderator actions, and then calls
the `activity` hooks (notifications, subscriptions, read state, live updates, sent on commit).
Rejections raise `ValidationError` (bad input; nothing saved) or `PermissionDenied` / `Http404`
(not allowed), each with a translated message saying what was wrong.
"""

from __future__ import annotations

import logging
import unicodedata

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Subquery
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from forum.accounts import names
from forum.accounts import permissions as accounts
from forum.audit.services import record
from forum.categories.models import Category
from forum.core import conf, ratelimit, richtext, textbounds

from . import activity, attachments, audience, permissions
from .models import MAX_TREE_DEPTH, PATH_SEGMENT, Post, PostRevision, Reaction, Thread

logger = logging.getLogger(__name__)

# --- Validation --------------------------------------------------------------------------------

_ALLOWED_CONTROLS = {"\n", "\t"}


def _has_control_chars(text: str, allowed=frozenset()) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def clean_source(source: str | None) -> str:
    """The post text with line ends unified; raises ValidationError saying what is wrong."""
    text = (source or "").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ValidationError({"source": _("Write something: the post is empty.")}, code="empty")
    limit = conf.FORUM_POST_MAX_CHARS
    if len(text) > limit:
        raise ValidationError({"source": _("The post is %(length)d characters long; the limit is %(limit)d.")
                               % {"length": len(text), "limit": limit}}, code="too_long")
    if _has_control_chars(text, _ALLOWED_CONTROLS):
        raise ValidationError({"source": _("The post contains invisible control characters; "
                                           "please remove them and try again.")}, code="control_chars")
    try:
        textbounds.check_markdown_bounds(text)  # what the renderer may be asked to do
    except ValidationError as exc:
        raise ValidationError({"source": exc.error_list}) from exc
    return text


def clean_title(title: str | None) -> str:
    text = (title or "").strip()
    if not text:
        raise ValidationError({"title": _("Give the thread a title.")}, code="empty")
    limit = conf.FORUM_TITLE_MAX_CHARS
    if len(text) > limit:
        raise ValidationError({"title": _("The title is %(length)d characters long; the limit is %(limit)d.")
                               % {"length": len(text), "limit": limit}}, code="too_long")
    if _has_control_chars(text):
        raise ValidationError({"title": _("The title contains control characters or line breaks; "
                                          "please remove them.")}, code="control_chars")
    try:
        names.validate_title_text(text)  # the display names' rule: no bidi overrides, no zero-width
    except ValidationError as exc:
        raise ValidationError({"title": exc.error_list}) from exc
    return text


# --- Rate limit --------------------------------------------------------------------------------

def _check_post_rate(author) -> None:
    """At most FORUM_RATE_LIMITS["post"] new posts per member per window (forum.core.ratelimit)."""
    usage = ratelimit.consume("post", key=author.pk)
    if not usage:
        limit, minutes = usage.limit, max(1, usage.window // 60)
        raise ValidationError(
            ngettext("You are posting too fast: at most %(limit)d posts per minute. Please wait a moment.",
                     "You are posting too fast: at most %(limit)d posts in %(minutes)d minutes. "
                     "Please wait a moment.", minutes) % {"limit": limit, "minutes": minutes},
            code="rate_limited",
        )


# --- Helpers -----------------------------------------------------------------------------------

def _segment(pk: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while pk:
        pk, r = divmod(pk, 36)
        out = digits[r] + out
    return (out or "0").rjust(PATH_SEGMENT, "0")


def mentions_in(source: str, *, writer=None) -> dict[str, str]:
    """{mention key: profile URL} for the active members @mentioned in `source` (no query without "@").

    With `writer`, only members the writer may browse (`accounts.visible_users`): a text never tells
    its writer that a member they may not see exists (an observer's preview is not a name oracle)."""
    keys = audience.mention_keys(source)  # remembered: the notification hook asks again
    if not keys:
        return {}
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(display_name_key__in=keys, is_active=True, deleted_at__isnull=True)
    if writer is not None:
        users = accounts.visible_users(writer, users)
    found = users.values_list("display_name_key", "pk")
    return {key: reverse("accounts:profile", kwargs={"user_id": pk}) for key, pk in found}


def _render(source: str, *, writer) -> str:
    """Markdown to safe HTML, once, on write; @mentions of members the writer may see link to their profiles."""
    return richtext.render_post(source, mentions=mentions_in(source, writer=writer))


def post_preview(*, actor, source: str) -> str:
    """The HTML `source` would be stored as, for the editor's preview; nothing is saved.

    Only for someone who may post somewhere (`check_preview_post`), at most FORUM_RATE_LIMITS["preview"] times
    per member and window, and within the post's bounds (`clean_source`): the renderer's work is
    bounded before it starts. An empty text previews as "". Raises PermissionDenied, or ValidationError (code "rate_limited" when
    too fast)."""
    permissions.check_preview_post(actor)
    if not (source or "").strip():
        return ""
    if not ratelimit.consume("preview", key=actor.pk):
        raise ValidationError(_("You are asking for previews too fast. Please wait a minute and try again."),
                              code="rate_limited")
    text = clean_source(source)
    return richtext.render_preview(text, mentions=mentions_in(text, writer=actor))


def _speaker(author, on_behalf_of: bool):
    """The organisation a representative chose to speak for, or None."""
    if not on_behalf_of:
        return None
    permissions.check_speak_for_organisation(author)
    return accounts.membership(author).organisation


def _place_in_tree(post: Post, parent: Post | None) -> None:
    """Set path and depth once the id is known; deeper than MAX_TREE_DEPTH stays at that depth."""
    if parent is None:
        post.path, post.depth = _segment(post.pk), 0
    elif parent.depth >= MAX_TREE_DEPTH:
        # A sibling of the parent, under the parent's own tree parent; shown as "in reply to".
        post.path = parent.path.rsplit("/", 1)[0] + "/" + _segment(post.pk)
        post.depth = MAX_TREE_DEPTH
    else:
        post.path, post.depth = parent.path + "/" + _segment(post.pk), parent.depth + 1
    Post.objects.filter(pk=post.pk).update(path=post.path, depth=post.depth)


# --- Counters ----------------------------------------------------------------------------------
# What they count (docs/threads.md; a property test compares them with a recount):
#   Thread.reply_count    posts of the thread below the opening post, neither deleted nor hidden;
#   Category.post_count   posts of the category's threads that are not deleted, opening posts
#                         included, neither deleted nor hidden;
#   Category.thread_count threads in the category that are not deleted.
# Each write updates the thread row first: that locks it, so a move or a deletion of the same
# thread waits (and a post written meanwhile lands in the category the thread is in when it commits,
# or in no category's count once the thread is deleted).

def _category_of(thread_id: int):
    """The category whose counters count the thread, as stored now (not as a possibly stale object
    says), for an UPDATE: none while the thread is deleted."""
    return Subquery(Thread.objects.filter(pk=thread_id, deleted_at__isnull=True).values("category_id")[:1])


def _live_post_count_change(post: Post, delta: int) -> None:
    """`post` started (+1) or stopped (-1) counting: it was shown again, deleted or hidden."""
    threads = Thread.objects.filter(pk=post.thread_id)
    if post.depth > 0:
        threads.update(reply_count=Greatest(F("reply_count") + delta, 0))
    else:
        threads.select_for_update().values_list("pk").get()  # the same row lock as the update takes
    Category.objects.filter(pk=_category_of(post.thread_id)).update(post_count=Greatest(F("post_count") + delta, 0))


def _lock_counted_state(post: Post) -> bool:
    """Lock the post's row and refresh whether it is deleted or hidden; True when it counts.

    Two moderators hiding (or an author deleting while a moderator hides) at once then change the
    counters once, not twice. The thread's row is locked before the post's, as the thread writes
    (move, delete) do before they touch its posts and their search documents: the same order
    everywhere, so a hide and a thread deletion at once wait for each other instead of deadlocking.
    """
    Thread.objects.select_for_update().filter(pk=post.thread_id).values_list("pk").get()
    current = Post.objects.select_for_update().values("deleted_at", "hidden_at").get(pk=post.pk)
    post.deleted_at, post.hidden_at = current["deleted_at"], current["hidden_at"]
    return post.deleted_at is None and post.hidden_at is None


def _touch(thread: Thread, post: Post, *, new_thread: bool = False) -> None:
    now = post.created_at
    updates = {"last_activity_at": now, "last_post_id": post.pk}
    if not new_thread:
        updates["reply_count"] = F("reply_count") + 1
    Thread.objects.filter(pk=thread.pk).update(**updates)
    category_updates = {"post_count": F("post_count") + 1, "last_activity_at": now}
    if new_thread:
        category_updates["thread_count"] = F("thread_count") + 1
    Category.objects.filter(pk=_category_of(thread.pk)).update(**category_updates)
    thread.last_activity_at, thread.last_post_id = now, post.pk
    if not new_thread:
        thread.reply_count += 1


# --- Threads and posts -------------------------------------------------------------------------

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
    organisation = _speaker(author, on_behalf_of)
    _check_post_rate(author)
    now = timezone.now()
    thread = Thread.objects.create(category=category, title=title, author=author, on_behalf_of=organisation,
                                   last_activity_at=now)
    post = Post.objects.create(thread=thread, author=author, on_behalf_of=organisation, source=source,
                               html=_render(source, writer=author), fanout_pending_at=activity.fanout_stamp())
    _place_in_tree(post, None)
    attachments.attachments_claim_for_post(post=post, author=author)
    _touch(thread, post, new_thread=True)
    activity.on_thread_created(thread, post)
    return thread


def _resolve_parent(thread: Thread, parent) -> Post:
    """The post being answered: the opening post when none is given. Refuses other threads' posts."""
    if parent is None or parent == "":
        root = Post.objects.filter(thread=thread, depth=0).order_by("id").first()
        if root is None:
            raise ValidationError(_("This thread has no opening post to reply to."), code="no_root")
        return root
    if isinstance(parent, Post):
        parent_id = parent.pk
    else:
        try:
            parent_id = int(parent)
        except (TypeError, ValueError):
            raise ValidationError(_("The post you are replying to does not exist."), code="bad_parent") from None
    found = Post.objects.filter(pk=parent_id).first()
    if found is None:
        raise ValidationError(_("The post you are replying to does not exist."), code="bad_parent")
    if found.thread_id != thread.pk:
        raise ValidationError(_("You can only reply to a post of this thread."), code="other_thread")
    if found.deleted_at is not None:
        raise ValidationError(_("The post you are replying to was deleted."), code="parent_deleted")
    if found.hidden_at is not None:
        raise ValidationError(_("The post you are replying to was hidden by a moderator."), code="parent_hidden")
    return found


@transaction.atomic
def post_create(*, author, thread: Thread, source: str, parent=None, on_behalf_of: bool = False) -> Post:
    """Reply to `parent` (a post of the same thread or its id; the opening post when None).

    Watchers, the person answered and the people mentioned hear of it after commit; open pages update.
    """
    permissions.check_reply_to_thread(author, thread)
    parent_post = _resolve_parent(thread, parent)
    source = clean_source(source)
    organisation = _speaker(author, on_behalf_of)
    _check_post_rate(author)
    post = Post.objects.create(thread=thread, author=author, parent=parent_post, on_behalf_of=organisation,
                               source=source, html=_render(source, writer=author), fanout_pending_at=activity.fanout_stamp())
    _place_in_tree(post, parent_post)
    attachments.attachments_claim_for_post(post=post, author=author)
    _touch(thread, post)
    activity.on_post_created(post)
    return post


@transaction.atomic
def post_edit(*, actor, post: Post, source: str) -> Post:
    """Change a post's text; the previous text is kept as a revision."""
    permissions.check_edit_post(actor, post)
    source = clean_source(source)
    if source == post.source:
        return post
    PostRevision.objects.create(post=post, editor=actor, source=post.source)
    post.source = source
    post.html = _render(source, writer=actor)
    post.edited_at = timezone.now()
    post.edit_count = F("edit_count") + 1
    post.save(update_fields=["source", "html", "edited_at", "edit_count"])
    post.refresh_from_db(fields=["edit_count"])
    # Only the post's author's own uploads become the post's, even when a moderator edits.
    attachments.attachments_claim_for_post(post=post, author=post.author)
    if actor.pk != post.author_id:
        record(actor=actor, verb="post.edit", target=post, data={"thread": post.thread_id})
    activity.on_post_edited(post)
    return post


@transaction.atomic
def post_delete(*, actor, post: Post) -> Post:
    """The author withdraws a post: its text and history are erased, a "deleted" placeholder keeps
    the tree (its replies stay where they are)."""
    permissions.check_delete_post(actor, post)
    was_counted = _lock_counted_state(post)
    post.deleted_at = timezone.now()
    post.source = ""
    post.html = ""
    post.save(update_fields=["deleted_at", "source", "html"])
    post.revisions.all().delete()
    post.reactions.all().delete()
    Post.objects.filter(pk=post.pk).update(reaction_counts={})
    post.reaction_counts = {}
    if was_counted:
        _live_post_count_change(post, -1)
    activity.on_post_removed(post)
    return post


@transaction.atomic
def thread_rename(*, actor, thread: Thread, title: str) -> Thread:
    """Change the title (the author while they may edit the opening post, or a moderator)."""
    permissions.check_rename_thread(actor, thread)
    title = clean_title(title)
    if title == thread.title:
        return thread
    previous = thread.title
    thread.title = title
    thread.save(update_fields=["title"])
    if actor.pk != thread.author_id:
        record(actor=actor, verb="thread.rename", target=thread, data={"from": previous, "to": title})
    activity.on_thread_changed(thread)
    return thread


@transaction.atomic
def post_hide(*, actor, post: Post, reason: str, hidden: bool = True) -> Post:
    """A moderator hides a post from readers (a placeholder stays), or shows it again; audited."""
    permissions.check_hide_post(actor, post)
    if hidden and not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the post is hidden: the author and the audit log see it.")},
                              code="no_reason")
    _lock_counted_state(post)
    if (post.hidden_at is not None) == hidden:
        return post
    post.hidden_at = timezone.now() if hidden else None
    post.save(update_fields=["hidden_at"])
    if post.deleted_at is None:
        _live_post_count_change(post, -1 if hidden else 1)
    record(actor=actor, verb="post.hide" if hidden else "post.unhide", target=post, reason=reason,
           data={"thread": post.thread_id})
    if hidden:
        activity.on_post_removed(post)
    else:
        activity.on_post_edited(post)
    return post


# --- Reactions ---------------------------------------------------------------------------------

def reactions_for(category) -> list[str]:
    """The reactions offered in a category: the fixed set, plus agree/disagree in consultations."""
    allowed = list(conf.FORUM_REACTIONS)
    if getattr(category, "is_consultation", False):
        allowed += list(conf.FORUM_CONSULTATION_REACTIONS)
    return allowed


@transaction.atomic
def reaction_toggle(*, actor, post: Post, emoji: str) -> bool:
    """Add the reaction, or take it back if it was there. Returns True when it is now on.

    `Post.reaction_counts` is recounted from the reactions inside the same transaction, with the
    post row locked, so concurrent toggles cannot leave it out of step.
    """
    permissions.check_react_to_post(actor, post)
    if emoji not in reactions_for(post.thread.category):
        raise ValidationError(_("This reaction is not available here."), code="bad_reaction")
    locked = Post.objects.select_for_update().only("pk").get(pk=post.pk)
    deleted, _rows = Reaction.objects.filter(post=locked, user=actor, emoji=emoji).delete()
    added = not deleted
    if added:
        Reaction.objects.create(post=locked, user=actor, emoji=emoji)
    counts = dict(Reaction.objects.filter(post=locked).values("emoji").annotate(n=Count("id"))
                  .values_list("emoji", "n"))
    Post.objects.filter(pk=post.pk).update(reaction_counts=counts)
    post.reaction_counts = counts
    return added


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
    # here, one after lands in the new category (see "Counters" above).
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
    # The thread row first, as every counted write does (see "Counters" above); then its posts',
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


# --- Views -------------------------------------------------------------------------------------

def thread_viewed(*, viewer, thread: Thread, last_post_id: int | None) -> None:
    """A page of the thread was shown: count the view (in the cache) and tell the read-state hook."""
    from . import viewcounts

    viewcounts.record_view(thread.pk)
    if viewer is not None and viewer.is_authenticated and last_post_id:
        activity.on_thread_viewed(user=viewer, thread=thread, last_post_id=last_post_id)
