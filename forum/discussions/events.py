"""Live events of discussions: group names from ids, payload builders, event type constants.

Sequence: every event sent to a thread's group carries `seq`, the thread's next number (per
thread, monotonic, gap-free in normal operation), taken after commit just before the broadcast by
`forum.discussions.activity.broadcast_to_thread`, the one sender of thread events. The counter
lives in the cache (Redis in production, shared by every process): `next_seq` increments it
atomically. A missing counter (a new thread, a flushed or restarted Redis) starts from the current
time in milliseconds, so numbers never go backwards: a restart looks like a gap, which clients
heal. A client spots a gap (a number skipped) and heals it with
`{"type": "resume", "after_post": <last post id>, "after_seq": <last seq>}`: the server answers with
the posts it missed. Payloads carry ids and links, not post text: each page fetches the post's
fragment, which renders what that reader may see. Protocol: docs/live-protocol.md.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.urls import NoReverseMatch, reverse

POST_CREATED = "discussions.post.created"
POST_EDITED = "discussions.post.edited"
POST_REMOVED = "discussions.post.removed"
THREAD_CHANGED = "discussions.thread.changed"
THREAD_CREATED = "discussions.thread.created"
THREAD_ACTIVITY = "discussions.thread.activity"
HELLO = "hello"
RESUMED = "resumed"
RESYNC = "resync"

# A reconnecting client gets at most this many missed posts; beyond it, a `resync` (reload).
RESUME_LIMIT = 50
# A resume also repeats the posts of the last few seconds (ids can commit out of order).
RESUME_OVERLAP_SECONDS = 10


def thread_group(thread_id: int) -> str:
    """Every open page of one thread."""
    return f"discussions.thread.{int(thread_id)}"


def _seq_key(thread_id: int) -> str:
    return f"discussions:thread-seq:{int(thread_id)}"


def _seq_base() -> int:
    # Above any number a counter could have reached before it was lost: a counter gains one per
    # event, far fewer than one per millisecond.
    return int(time.time() * 1000)


def next_seq(thread_id: int) -> int:
    """The thread's next event number (atomic in the cache, shared by every process)."""
    key = _seq_key(thread_id)
    for _attempt in range(3):
        cache.add(key, _seq_base(), timeout=None)
        try:
            return cache.incr(key)
        except ValueError:  # evicted between add and incr: start again from the time base
            continue
    raise RuntimeError(f"no sequence number for thread {thread_id}")


def current_seq(thread_id: int) -> int:
    """The number of the thread's latest event (what `hello` and `resumed` announce)."""
    key = _seq_key(thread_id)
    cache.add(key, _seq_base(), timeout=None)
    value = cache.get(key)
    return int(value) if value is not None else next_seq(thread_id)


def with_seq(thread_id: int, event: dict[str, Any]) -> dict[str, Any]:
    """A copy of `event` numbered for the thread's group."""
    return {**event, "seq": next_seq(thread_id)}


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


def hello(seq: int) -> dict[str, Any]:
    """The thread socket's first frame: the number of the thread's latest event."""
    return {"type": HELLO, "seq": seq}


def resumed(*, seq: int, last_post_id: int) -> dict[str, Any]:
    # `last_seq` (the last post id) is kept for pages loaded with thread protocol 1: remove in 3.
    return {"type": RESUMED, "seq": seq, "last_post_id": last_post_id, "last_seq": last_post_id}


def resync(*, seq: int | None = None, last_post_id: int | None = None) -> dict[str, Any]:
    return {"type": RESYNC, "seq": seq, "last_post_id": last_post_id, "last_seq": last_post_id}
