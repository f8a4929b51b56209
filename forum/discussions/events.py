"""Live events of discussions: group names from ids, payload builders, event type constants.

Sequence: within a thread, post ids only grow, so a post's id is the thread's sequence number
(`seq`). A client remembers the highest `seq` it has seen and, on reconnect, sends
`{"type": "resume", "after": seq}` to receive the posts it missed. Payloads carry ids and links,
not post text: each page fetches the post's fragment, which renders what that reader may see.
Protocol: docs/live-protocol.md.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse

POST_CREATED = "discussions.post.created"
POST_EDITED = "discussions.post.edited"
POST_REMOVED = "discussions.post.removed"
THREAD_CHANGED = "discussions.thread.changed"
THREAD_CREATED = "discussions.thread.created"
THREAD_ACTIVITY = "discussions.thread.activity"
RESUMED = "resumed"
RESYNC = "resync"

# A reconnecting client gets at most this many missed posts; beyond it, a `resync` (reload).
RESUME_LIMIT = 50
# A resume also repeats the posts of the last few seconds (ids can commit out of order).
RESUME_OVERLAP_SECONDS = 10


def thread_group(thread_id: int) -> str:
    """Every open page of one thread."""
    return f"discussions.thread.{int(thread_id)}"


def category_group(category_id: int) -> str:
    """Every open list page (category list, thread list) that shows this category's threads."""
    return f"discussions.category.{int(category_id)}"


def fragment_url(thread_id: int, post_id: int) -> str:
    try:
        return reverse("discussions:post_fragment", kwargs={"thread_id": thread_id, "post_id": post_id})
    except NoReverseMatch:  # the fragment view is not wired yet
        return f"/t/{int(thread_id)}/posts/{int(post_id)}/fragment/"


def _post_fields(post) -> dict[str, Any]:
    return {
        "thread_id": post.thread_id,
        "post_id": post.pk,
        "seq": post.pk,
        "parent_id": post.parent_id,
        "fragment_url": fragment_url(post.thread_id, post.pk),
    }


def post_created(post) -> dict[str, Any]:
    return {"type": POST_CREATED, **_post_fields(post), "author_id": post.author_id,
            "created_at": post.created_at.isoformat() if post.created_at else None}


def post_edited(post) -> dict[str, Any]:
    return {"type": POST_EDITED, **_post_fields(post),
            "edited_at": post.edited_at.isoformat() if post.edited_at else None}


def post_removed(post) -> dict[str, Any]:
    reason = "hidden" if post.hidden_at else "deleted"
    return {"type": POST_REMOVED, **_post_fields(post), "reason": reason}


def thread_changed(thread) -> dict[str, Any]:
    return {"type": THREAD_CHANGED, "thread_id": thread.pk, "category_id": thread.category_id,
            "title": thread.title, "pinned": thread.pinned, "locked": thread.locked,
            "deleted": thread.deleted_at is not None, "url": thread.get_absolute_url()}


def thread_created(thread) -> dict[str, Any]:
    return {"type": THREAD_CREATED, "thread_id": thread.pk, "category_id": thread.category_id,
            "author_id": thread.author_id, "title": thread.title, "url": thread.get_absolute_url()}


def thread_activity(thread, post) -> dict[str, Any]:
    """A reply in a thread, for list pages: which thread moved, and its latest post."""
    return {"type": THREAD_ACTIVITY, "thread_id": thread.pk, "category_id": thread.category_id,
            "author_id": post.author_id, "last_post_id": post.pk, "url": thread.get_absolute_url()}


def resumed(last_seq: int) -> dict[str, Any]:
    return {"type": RESUMED, "last_seq": last_seq}


def resync(last_seq: int | None = None) -> dict[str, Any]:
    return {"type": RESYNC, "last_seq": last_seq}
