"""Helpers shared by the thread and post services: the rate limit on new posts, where a new post
sits in the tree, whom it speaks for, and the thread and category counters every counted write keeps.

Private to the `services` package; the public services are in its submodules.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import F, Subquery
from django.db.models.functions import Greatest
from django.utils.translation import ngettext

from forum.accounts import permissions as accounts
from forum.categories.models import Category
from forum.core import ratelimit

from .. import permissions
from ..models import MAX_TREE_DEPTH, PATH_SEGMENT, Post, Thread

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


# --- Place in the tree and speaker -------------------------------------------------------------

def _segment(pk: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while pk:
        pk, r = divmod(pk, 36)
        out = digits[r] + out
    return (out or "0").rjust(PATH_SEGMENT, "0")


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
