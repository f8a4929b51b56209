"""Post services: reply, edit, delete (by the author), hide (by a moderator), preview; and what a
post or title may say (`clean_source`, `clean_title`) and how its text is rendered (@mentions).

See the `services` package docstring for what every service does; the counters these writes keep
are described in `_common`.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.accounts import names
from forum.accounts import permissions as accounts
from forum.audit.services import record
from forum.categories import permissions as categories
from forum.core import conf, ratelimit, richtext, screening, textbounds

from .. import activity, attachments, audience, permissions, signals
from ..models import Post, PostRevision, Thread
from ._common import (
    _check_post_rate,
    _live_post_count_change,
    _lock_counted_state,
    _place_in_tree,
    _speaker,
    _touch,
)

# --- Pre-moderation ------------------------------------------------------------------------------

# What a held post's placeholder knows (`hidden_reason`): its author reads "awaiting review".
AWAITING_REVIEW = {"premoderation": True}


def review_reasons(*, author, category, verdict: str) -> tuple[list[str], bool]:
    """Why a new post by `author` in `category` goes to the moderators, and whether it waits for
    approval: the category is pre-moderated, the author's first FORUM_MODERATION_NEW_MEMBER_POSTS
    posts, a watched word (`verdict` of `forum.core.screening`: HOLD holds, FLAG only reports).
    Moderators of the category and administrators are never held nor reported."""
    if accounts.is_admin(author) or categories.holds_moderator_role(author, category):
        return [], False
    reasons, held = [], False
    if category.premoderate or (category.parent_id is not None and category.parent.premoderate):
        reasons.append(signals.PREMODERATED_CATEGORY)
        held = True
    first = conf.FORUM_MODERATION_NEW_MEMBER_POSTS
    if first > 0 and Post.objects.filter(author=author, awaiting_review=False)[:first].count() < first:
        reasons.append(signals.NEW_MEMBER)
        held = True
    if verdict in (screening.HOLD, screening.FLAG):
        reasons.append(signals.WATCHED_WORD)
        held = held or verdict == screening.HOLD
    return reasons, held


def hold_fields(held: bool) -> dict:
    """The columns a new post is written with when it waits for approval."""
    if not held:
        return {}
    return {"awaiting_review": True, "hidden_at": timezone.now(), "hidden_reason": dict(AWAITING_REVIEW)}


def send_for_review(post: Post, *, reasons: list[str], held: bool) -> None:
    """Audit the hold and hand the post to the review queue (the moderation app listens)."""
    if not reasons:
        return
    if held:
        record(actor=None, verb="post.hold", target=post, reason=", ".join(reasons),
               data={"thread": post.thread_id, "premoderation": reasons})
    signals.post_for_review.send(sender=Post, post=post, reasons=reasons, held=held)

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


# --- Rendering ---------------------------------------------------------------------------------

def mentions_in(source: str, *, writer=None) -> dict[str, str]:
    """{mention key: profile URL} for the active members @mentioned in `source` (no query without "@").

    With `writer`, only members the writer may browse (`accounts.visible_users`): a text never tells
    its writer that a member they may not see exists (an observer's preview is not a name oracle)."""
    return _mention_urls(audience.mention_keys(source), writer=writer)


def _mention_urls(keys, *, writer=None) -> dict[str, str]:
    """{mention key: profile URL} for the keys naming active members (visible to `writer` when given)."""
    if not keys:
        return {}
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True, deleted_at__isnull=True)
    if writer is not None:
        users = accounts.visible_users(writer, users)
    found = audience.resolve_mention_keys(keys, users)
    return {key: reverse("accounts:profile", kwargs={"user_id": pk}) for key, pk in found.items()}


def _render(source: str, *, writer) -> str:
    """Markdown to safe HTML, once, on write; @mentions of members the writer may see link to their profiles.

    One Markdown parse gives the mention keys (resolved in one query), the linked HTML, and the
    quoted posts and images the notification and attachment hooks ask about next (remembered by
    `audience.remember_parse`, so they do not parse the text again)."""
    rendered = richtext.render_post_parsed(source, resolve_mentions=lambda keys: _mention_urls(keys, writer=writer))
    audience.remember_parse(source, rendered)
    return rendered.html


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


# --- Posts -------------------------------------------------------------------------------------

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
    verdict = screening.screen(source)
    screening.check_not_blocked(verdict, "source")
    organisation = _speaker(author, on_behalf_of)
    _check_post_rate(author)
    reasons, held = review_reasons(author=author, category=thread.category, verdict=verdict)
    post = Post.objects.create(thread=thread, author=author, parent=parent_post, on_behalf_of=organisation,
                               source=source, html=_render(source, writer=author),
                               fanout_pending_at=None if held else activity.fanout_stamp(), **hold_fields(held))
    _place_in_tree(post, parent_post)
    attachments.attachments_claim_for_post(post=post, author=author)
    if not held:  # a held post is counted, announced and notified when approved (`post_approve`)
        _touch(thread, post)
        activity.on_post_created(post)
    send_for_review(post, reasons=reasons, held=held)
    return post


@transaction.atomic
def post_edit(*, actor, post: Post, source: str) -> Post:
    """Change a post's text; the previous text is kept as a revision."""
    permissions.check_edit_post(actor, post)
    source = clean_source(source)
    if source == post.source:
        return post
    verdict = screening.screen(source)
    screening.check_not_blocked(verdict, "source")
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
    if verdict in (screening.HOLD, screening.FLAG):  # already published: reported, not held back
        reasons, _held = review_reasons(author=post.author, category=post.thread.category, verdict=screening.FLAG)
        send_for_review(post, reasons=[r for r in reasons if r == signals.WATCHED_WORD], held=False)
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
def post_hide(*, actor, post: Post, reason: str, hidden: bool = True, reason_titles: dict | None = None,
              audit_data: dict | None = None) -> Post:
    """A moderator hides a post from readers (a placeholder stays), or shows it again; audited.

    `reason_titles` ({"ar": ..., "fr": ..., "en": ...}: the rule cited, per language) is what readers
    see in the placeholder ("hidden by moderators: <rule>"); the author still sees the text."""
    permissions.check_hide_post(actor, post)
    if hidden and not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the post is hidden: the author and the audit log see it.")},
                              code="no_reason")
    _lock_counted_state(post)
    if not hidden and Post.objects.filter(pk=post.pk, awaiting_review=True).exists():
        raise ValidationError(_("This post is awaiting review: approve it from the review queue."),
                              code="awaiting_review")
    if (post.hidden_at is not None) == hidden:
        if hidden and reason_titles is not None and post.hidden_reason != reason_titles:
            # Held pending review, now hidden by a moderator: readers see the rule instead.
            post.hidden_reason = dict(reason_titles)
            post.save(update_fields=["hidden_reason"])
            record(actor=actor, verb="post.hide", target=post, reason=reason,
                   data={"thread": post.thread_id, **(audit_data or {})})
        return post
    post.hidden_at = timezone.now() if hidden else None
    post.hidden_reason = dict(reason_titles or {}) if hidden else {}
    post.save(update_fields=["hidden_at", "hidden_reason"])
    if post.deleted_at is None:
        _live_post_count_change(post, -1 if hidden else 1)
    record(actor=actor, verb="post.hide" if hidden else "post.unhide", target=post, reason=reason,
           data={"thread": post.thread_id, **(audit_data or {})})
    if hidden:
        activity.on_post_removed(post)
    else:
        activity.on_post_edited(post)
    return post


PENDING_REVIEW = {"pending": True}


@transaction.atomic
def post_hold_for_review(*, post: Post, reason: str, audit_data: dict | None = None) -> Post:
    """Hide a post pending review, on the flags' behalf (no moderator acts: the moderation service
    decided it from the flags and their reporters' rights); readers see "hidden pending review".
    Audited with no actor. A post already hidden or deleted is left as it is."""
    _lock_counted_state(post)
    if post.hidden_at is not None or post.deleted_at is not None:
        return post
    post.hidden_at = timezone.now()
    post.hidden_reason = dict(PENDING_REVIEW)
    post.save(update_fields=["hidden_at", "hidden_reason"])
    _live_post_count_change(post, -1)
    record(actor=None, verb="post.hold", target=post, reason=reason, data={"thread": post.thread_id,
                                                                         **(audit_data or {})})
    activity.on_post_removed(post)
    return post


@transaction.atomic
def post_remove(*, actor, post: Post, reason: str, audit_data: dict | None = None) -> Post:
    """A moderator deletes someone's post: a "removed by moderators" placeholder keeps the tree; the
    text, erased from the post, is kept in the audit entry (content before)."""
    permissions.check_remove_post(actor, post)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the post is removed: the author and the audit log see it.")},
                              code="no_reason")
    was_counted = _lock_counted_state(post)
    before = post.source
    post.deleted_at = timezone.now()
    post.removed_by_moderator = True
    post.source = ""
    post.html = ""
    post.save(update_fields=["deleted_at", "removed_by_moderator", "source", "html"])
    post.revisions.all().delete()
    post.reactions.all().delete()
    Post.objects.filter(pk=post.pk).update(reaction_counts={})
    post.reaction_counts = {}
    if was_counted:
        _live_post_count_change(post, -1)
    record(actor=actor, verb="post.remove", target=post, reason=reason,
           data={"thread": post.thread_id, "before": before, **(audit_data or {})})
    activity.on_post_removed(post)
    return post


@transaction.atomic
def post_reinstate(*, actor, post: Post, source: str, reason: str, audit_data: dict | None = None) -> Post:
    """Undo a moderator's removal (an appeal overturned it): the text kept in the audit log comes
    back, rendered again. Only for posts removed by moderators, by moderators of the category."""
    permissions.check_view_thread(actor, post.thread)
    categories.check_moderate_category(actor, post.thread.category)
    was_counted = _lock_counted_state(post)
    post.refresh_from_db(fields=["removed_by_moderator"])
    if post.deleted_at is None or not post.removed_by_moderator:
        raise ValidationError(_("Only a post removed by the moderators can be brought back."), code="not_removed")
    post.deleted_at = None
    post.removed_by_moderator = False
    post.source = source
    post.html = _render(source, writer=post.author)
    post.save(update_fields=["deleted_at", "removed_by_moderator", "source", "html"])
    if not was_counted and post.hidden_at is None:
        _live_post_count_change(post, 1)
    record(actor=actor, verb="post.reinstate", target=post, reason=reason,
           data={"thread": post.thread_id, **(audit_data or {})})
    activity.on_post_edited(post)
    return post


@transaction.atomic
def post_approve(*, actor, post: Post, audit_data: dict | None = None) -> Post:
    """A moderator publishes a post held by pre-moderation: it is counted, indexed for search and
    announced exactly as on publication — the watchers, the person answered and the people
    mentioned are notified, open pages update. Approving the opening post of a held thread
    publishes the thread (category watchers hear of a new thread). Audited."""
    permissions.check_hide_post(actor, post)
    _lock_counted_state(post)
    post.refresh_from_db(fields=["awaiting_review", "hidden_reason"])
    if not post.awaiting_review or post.deleted_at is not None:
        raise ValidationError(_("This post is not awaiting review."), code="not_awaiting_review")
    thread = post.thread
    post.awaiting_review = False
    post.hidden_at = None
    post.hidden_reason = {}
    post.fanout_pending_at = activity.fanout_stamp()
    post.save(update_fields=["awaiting_review", "hidden_at", "hidden_reason", "fanout_pending_at"])
    opens_thread = post.depth == 0 and thread.awaiting_review
    if opens_thread:
        thread.awaiting_review = False
        thread.save(update_fields=["awaiting_review"])
        _touch(thread, post, new_thread=True)
        activity.on_thread_created(thread, post)
    else:
        _touch(thread, post)
        activity.on_post_created(post)
    record(actor=actor, verb="post.approve", target=post,
           data={"thread": post.thread_id, "opens_thread": opens_thread, **(audit_data or {})})
    return post


@transaction.atomic
def post_edit_for_policy(*, actor, post: Post, source: str, reason: str, reason_titles: dict | None = None,
                         audit_data: dict | None = None) -> Post:
    """A moderator changes someone's text to bring it within the rules (a phone number, an address).

    The text is rendered again (forum.core.richtext, as the author's) and re-indexed for search (on
    save). The text before, and the earlier revisions (which hold it too), go to the audit entry
    only: they are erased from the public revision history, or the edit would hide nothing. Readers
    and the author see "edited by moderators: <rule>" (`reason_titles`, per language). Audited."""
    permissions.check_hide_post(actor, post)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the post is edited: the author and the audit log see it.")},
                              code="no_reason")
    source = clean_source(source)
    Post.objects.select_for_update().filter(pk=post.pk).values_list("pk").get()
    post.refresh_from_db(fields=["source", "deleted_at"])
    if post.deleted_at is not None:
        raise PermissionDenied(_("This post was deleted by its author."))
    if source == post.source:
        raise ValidationError({"source": _("The text is unchanged: edit what breaks the rule.")}, code="unchanged")
    before = post.source
    earlier = list(post.revisions.order_by("created_at", "id").values_list("source", "editor_id", "created_at"))
    revisions = [text for text, _editor, _at in earlier]
    # Who made each earlier edit and when: an overturned appeal puts them back as they were.
    revision_meta = [[editor, at.isoformat()] for _text, editor, at in earlier]
    post.revisions.all().delete()
    post.source = source
    post.html = _render(source, writer=post.author)
    post.edited_at = timezone.now()
    post.moderator_edit = dict(reason_titles or {"en": reason})
    post.save(update_fields=["source", "html", "edited_at", "moderator_edit"])
    record(actor=actor, verb="post.edit_for_policy", target=post, reason=reason,
           data={"thread": post.thread_id, "before": before, "after": source, "revisions": revisions,
                 "revision_meta": revision_meta, **(audit_data or {})})
    activity.on_post_edited(post)
    return post


@transaction.atomic
def post_edit_for_policy_undo(*, actor, post: Post, before: str, revisions: list[str],
                              revision_meta: list | None = None, reason: str, audit_data: dict | None = None) -> Post:
    """An appeal overturned an edit for policy: the author's text before it comes back (`before`,
    kept by the edit's audit entry) with the earlier revisions it erased (`revisions`, with who and
    when when known). The text it replaces — the moderators' version, or the author's own later
    edit — becomes the newest revision, as with any edit; the "edited by moderators" note goes.
    Rendered and re-indexed as an edit; audited `post.edit_for_policy.undo`. Nothing happens to a
    post deleted since (its text and history are gone by its author's choice)."""
    Post.objects.select_for_update().filter(pk=post.pk).values_list("pk").get()
    post.refresh_from_db(fields=["source", "deleted_at", "moderator_edit"])
    if post.deleted_at is not None:
        return post
    permissions.check_hide_post(actor, post)
    meta = list(revision_meta or [])
    # An editor whose account row is gone since is left unnamed (as SET_NULL would have done).
    editors = set(get_user_model().objects.filter(pk__in=[m[0] for m in meta if m and m[0]])
                  .values_list("pk", flat=True))
    restored = []
    for index, text in enumerate(revisions or []):
        editor, at = (list(meta[index]) + [None, None])[:2] if index < len(meta) else (None, None)
        restored.append(PostRevision.objects.create(post=post, editor_id=editor if editor in editors else None,
                                                    source=text))
        if at:
            PostRevision.objects.filter(pk=restored[-1].pk).update(created_at=datetime.fromisoformat(at))
    replaced = post.source
    PostRevision.objects.create(post=post, editor=actor, source=replaced)
    post.source = before
    post.html = _render(before, writer=post.author)
    post.edited_at = timezone.now()
    post.moderator_edit = {}
    post.save(update_fields=["source", "html", "edited_at", "moderator_edit"])
    record(actor=actor, verb="post.edit_for_policy.undo", target=post, reason=reason,
           data={"thread": post.thread_id, "before": replaced, "after": before, "revisions": len(restored),
                 **(audit_data or {})})
    activity.on_post_edited(post)
    return post
