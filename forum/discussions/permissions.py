"""Who may read, write, react and moderate in threads.

Actions of this app (the authorisation matrix walks every one):
- `view_thread`: read a thread (its category is visible; deleted threads only for its moderators).
- `start_thread`: open a thread in a category (the category's start policy).
- `reply_to_thread`: reply in a thread (category reply policy; a locked thread only for moderators;
  muted members and observers whose access ended are refused).
- `edit_post`: change a post's text (its author, or a moderator of the category; not once deleted
  or hidden).
- `delete_post`: withdraw one's own post (it becomes a "deleted" placeholder, the tree stays).
- `react_to_post`: add or remove a reaction.
- `pin_thread` / `lock_thread` / `move_thread`: moderators of the category (move: of both categories).
- `view_revisions`: see a post's earlier versions.
- `speak_for_organisation`: post in the name of one's organisation (representatives).
- `rename_thread`: change a thread's title (whoever may edit its opening post).
- `hide_post`: hide a post from readers, or show it again (moderators of the category).
- `preview_post`: have the editor render a text (POST /preview/): whoever may start a thread or
  reply somewhere; suspended members and observers whose access ended are refused.
- `delete_thread`: delete a thread (hidden from everyone but its moderators), or restore it
  (moderators of the category).
- `report_post`: flag a post for the moderators (a reader in good standing, members and observers,
  not its author, while it is shown); `forum.moderation` adds its own rules (once per person).
- `remove_post`: delete someone's post as a moderator (moderators of the category; its text stays
  in the audit log).

Moderator powers (reading deleted threads and hidden text, writing in locked threads, pin, lock,
move, hide, editing others' posts) and speaking for an organisation need a second factor
(`forum.accounts.permissions.check_privileged_action`); without one a moderator is treated like a
member and, when acting, refused with `SecondFactorRequired`.
Category rules live in `forum.categories.permissions`; this module adds the thread and post rules.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from forum.accounts import permissions as accounts
from forum.categories import permissions as categories
from forum.categories.permissions import (  # noqa: F401  (re-exported)
    allows,
    check_moderator_power,
    holds_moderator_role,
    is_category_moderator,
)

from .models import Post, Thread

ACTIONS = (
    "view_thread", "start_thread", "reply_to_thread", "edit_post", "delete_post", "react_to_post",
    "pin_thread", "lock_thread", "move_thread", "view_revisions", "speak_for_organisation",
    "rename_thread", "hide_post", "preview_post", "delete_thread", "report_post", "remove_post",
    "suggest_mentions", "suggest_mentions_new_thread",
)


# --- Threads -----------------------------------------------------------------------------------

def _is_author(user, obj) -> bool:
    return getattr(user, "is_authenticated", False) and obj.author_id == user.pk


def _view_thread_key(user, thread: Thread) -> tuple | None:
    """What `check_view_thread`'s answer depends on besides the per-user facts: the thread's state and
    the category rules' generation. Part of the key, so a thread deleted, moved, held or approved in
    the same request (or a category changed in this process) is asked afresh."""
    if not getattr(user, "is_authenticated", False) or thread.pk is None:
        return None
    return (thread.pk, thread.category_id, thread.deleted_at, thread.awaiting_review, thread.author_id,
            categories._generation)


def check_view_thread(user, thread: Thread) -> None:
    # Asked several times per page (the page itself, reply, moderate, each post's actions): answered
    # once per user object and thread state. Remembered in the user's per-request facts cache
    # (`accounts._cache`): `accounts.forget(user)` (a role, membership or sanction change) drops it
    # with the facts it was computed from; nothing outlives the request's user object.
    key = _view_thread_key(user, thread)
    if key is not None:
        seen = accounts._cache(user).setdefault("view_thread", {})
        if seen.get(key) is True:
            return
        _check_view_thread(user, thread)
        seen[key] = True
        return
    _check_view_thread(user, thread)


def _check_view_thread(user, thread: Thread) -> None:
    categories.check_view_category(user, thread.category)
    if thread.deleted_at is not None and not is_category_moderator(user, thread.category):
        raise Http404
    # Held by pre-moderation: its author and the category's moderators only.
    if thread.awaiting_review and not _is_author(user, thread) and not is_category_moderator(user, thread.category):
        raise Http404


def visible_threads(user, qs=None):
    """Queryset form of check_view_thread."""
    qs = Thread.objects.all() if qs is None else qs
    ids = categories.visible_category_ids(user)
    moderated = categories.moderated_visible_category_ids(user)
    own = Q(author_id=user.pk) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
    return qs.filter(Q(category_id__in=ids) & (Q(deleted_at__isnull=True) | Q(category_id__in=moderated))
                     & (Q(awaiting_review=False) | own | Q(category_id__in=moderated)))


def readers_among(thread: Thread, users) -> list:
    """The users (signed-in ones) who may read `thread`: `check_view_thread` for many people, with
    their facts loaded in a handful of queries (for choosing who to notify)."""
    users = list(users)
    categories.prime_category_facts(users)
    return [u for u in users if allows(check_view_thread, u, thread)]


def readable_threads(users, thread_ids) -> set[tuple[int, int]]:
    """(user id, thread id) for each of `users` and `thread_ids` where the user may read the thread
    now (`check_view_thread`), in a fixed few queries: what notifications about threads may show."""
    from .audience import _prime_standing as prime_standing

    users = [u for u in users if getattr(u, "is_authenticated", False)]
    ids = {int(i) for i in thread_ids if isinstance(i, int) or str(i).isdigit()}
    if not users or not ids:
        return set()
    threads = list(Thread.objects.filter(pk__in=ids).select_related("category"))
    if len(users) > 1:  # one user (the page's reader) keeps their facts cached on the user object
        prime_standing(users)
        categories.prime_category_facts(users)
    return {(u.pk, t.pk) for u in users for t in threads if allows(check_view_thread, u, t)}


def check_start_thread(user, category) -> None:
    categories.check_start_thread(user, category)


def check_suggest_mentions(user, thread: Thread) -> None:
    """Asking who to @mention in a reply: whoever may reply there (`forum/discussions/mentions.py`)."""
    check_reply_to_thread(user, thread)


def check_suggest_mentions_new_thread(user, category) -> None:
    """Asking who to @mention in a new thread: whoever may start one in the category."""
    check_start_thread(user, category)


def check_reply_to_thread(user, thread: Thread) -> None:
    check_view_thread(user, thread)
    categories.check_reply_in_category(user, thread.category)
    if thread.deleted_at is not None:
        raise PermissionDenied(_("This thread was deleted."))
    if thread.locked:
        check_moderator_power(user, thread.category, _("This thread is locked: only moderators can reply."))


def repliable_threads(user, qs=None):
    """Queryset form of check_reply_to_thread. The per-category rules are decided over the visible
    categories (a few dozen), the thread rules in SQL: never a loop over threads."""
    visible = list(categories.visible_categories(user))
    reply_ids = [c.pk for c in visible if allows(categories.check_reply_in_category, user, c)]
    moderated_ids = [c.pk for c in visible if is_category_moderator(user, c)]
    qs = visible_threads(user, qs).filter(deleted_at__isnull=True, category_id__in=reply_ids)
    return qs.filter(Q(locked=False) | Q(category_id__in=moderated_ids))


def _check_moderate(user, thread: Thread) -> None:
    check_view_thread(user, thread)
    categories.check_moderate_category(user, thread.category)


def check_pin_thread(user, thread: Thread) -> None:
    _check_moderate(user, thread)


def check_lock_thread(user, thread: Thread) -> None:
    _check_moderate(user, thread)


def check_delete_thread(user, thread: Thread) -> None:
    """Delete a thread, or restore a deleted one: moderators of its category."""
    _check_moderate(user, thread)


def check_move_thread(user, thread: Thread, target=None) -> None:
    """Moderators of the thread's category; with `target`, also of the category it moves to."""
    _check_moderate(user, thread)
    if target is not None:
        categories.check_view_category(user, target)
        check_moderator_power(user, target, _("You can only move threads into categories you moderate."))


def check_rename_thread(user, thread: Thread) -> None:
    """Whoever may edit the opening post may rename the thread."""
    root = thread.posts.filter(depth=0).select_related("thread__category").first()
    if root is None:
        raise Http404
    root.thread = thread
    check_edit_post(user, root)


def check_preview_post(user, _obj=None) -> None:
    """The editor's preview renders text only for someone who may post it somewhere: start a thread
    in a category or reply in one (the per-category rules over the visible categories, no thread)."""
    accounts.require_good_standing(user)
    for category in categories.visible_categories(user):
        if (allows(categories.check_start_thread, user, category)
                or allows(categories.check_reply_in_category, user, category)):
            return
    raise PermissionDenied(_("You cannot write anywhere at the moment, so there is nothing to preview."))


# --- Posts -------------------------------------------------------------------------------------

def check_view_post(user, post: Post) -> None:
    check_view_thread(user, post.thread)
    # Held by pre-moderation: not even a placeholder for anyone but its author and the moderators.
    if (post.awaiting_review and not _is_author(user, post)
            and not is_category_moderator(user, post.thread.category)):
        raise Http404


def visible_posts(user, qs=None):
    """Posts of threads the user may read (deleted and hidden ones show as placeholders; posts
    awaiting review only to their author and the category's moderators)."""
    qs = Post.objects.all() if qs is None else qs
    moderated = categories.moderated_visible_category_ids(user)
    own = Q(author_id=user.pk) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
    return qs.filter(Q(thread__in=visible_threads(user))
                     & (Q(awaiting_review=False) | own | Q(thread__category_id__in=moderated)))


def _check_post_is_live(post: Post) -> None:
    if post.deleted_at is not None:
        raise PermissionDenied(_("This post was deleted."))
    if post.awaiting_review:
        raise PermissionDenied(
            _("This post is awaiting a moderator's approval: it can be changed once it is published."))
    if post.hidden_at is not None:
        raise PermissionDenied(_("This post was hidden by a moderator."))


def check_edit_post(user, post: Post) -> None:
    thread = post.thread
    check_view_thread(user, thread)
    accounts.require_good_standing(user)
    _check_post_is_live(post)
    if post.author_id != user.pk:
        check_moderator_power(user, thread.category, _("You can only edit your own posts."))
        accounts.check_privileged_action(user)
        return
    categories.check_reply_in_category(user, thread.category)
    if thread.locked:
        check_moderator_power(user, thread.category, _("This thread is locked: posts can no longer be edited."))


def check_delete_post(user, post: Post) -> None:
    check_view_thread(user, post.thread)
    accounts.require_good_standing(user)
    if post.author_id != user.pk:
        raise PermissionDenied(_("You can only delete your own posts."))
    _check_post_is_live(post)
    if post.thread.locked:
        check_moderator_power(user, post.thread.category, _("This thread is locked: posts can no longer be deleted."))


def check_react_to_post(user, post: Post) -> None:
    thread = post.thread
    check_view_thread(user, thread)
    accounts.require_good_standing(user)
    _check_post_is_live(post)
    if accounts.is_muted(user, scope="category", object_id=thread.category_id):
        raise PermissionDenied(_("You are muted in this category: you can read but not write."))
    if thread.locked:
        check_moderator_power(user, thread.category, _("This thread is locked."))


def check_hide_post(user, post: Post) -> None:
    check_view_thread(user, post.thread)
    categories.check_moderate_category(user, post.thread.category)
    if post.deleted_at is not None:
        raise PermissionDenied(_("This post was deleted by its author."))


def check_remove_post(user, post: Post) -> None:
    """A moderator deletes someone's post (a "removed by moderators" placeholder stays)."""
    check_hide_post(user, post)


def check_report_post(user, post: Post) -> None:
    """Flag a post for review: whoever reads it in good standing, except its author; not once removed."""
    check_view_post(user, post)
    accounts.require_good_standing(user)
    if post.author_id == user.pk:
        raise PermissionDenied(_("You cannot flag your own post."))
    _check_post_is_live(post)


def check_view_revisions(user, post: Post) -> None:
    check_view_thread(user, post.thread)
    if post.deleted_at or post.hidden_at:
        check_moderator_power(user, post.thread.category, _("The history of a removed post is not shown."))


def check_speak_for_organisation(user, organisation=None) -> None:
    accounts.require_good_standing(user)
    org_id = getattr(organisation, "pk", organisation)
    if not accounts.is_representative(user, org_id):
        raise PermissionDenied(_("Only your organisation's representatives can speak in its name."))
    accounts.check_privileged_action(user)


# --- Booleans for pages (no queries beyond the cached per-user facts) ---------------------------

def post_actions(user, post: Post) -> dict[str, bool]:
    return {
        "edit": allows(check_edit_post, user, post),
        "delete": allows(check_delete_post, user, post),
        "react": allows(check_react_to_post, user, post),
        "report": allows(check_report_post, user, post),
        # Moderators of the category read a hidden post's text (to review it).
        "moderate": post.hidden_at is not None and is_category_moderator(user, post.thread.category),
    }


class PostActions:
    """`post_actions` for many posts of one thread. The checks depend on a post only through whether
    the viewer wrote it and whether it is deleted or hidden, so each combination is checked once
    (by the same check functions) and reused: a 50-post page asks at most eight times, not 150."""

    def __init__(self, user):
        self.user = user
        self._seen: dict[tuple, dict[str, bool]] = {}

    def __call__(self, post: Post) -> dict[str, bool]:
        key = (post.thread_id, post.author_id == getattr(self.user, "pk", None), post.deleted_at is None,
               post.hidden_at is None)
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = post_actions(self.user, post)
        return found
