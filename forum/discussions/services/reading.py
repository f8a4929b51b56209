"""Reading: a page of a thread was shown (view count and read state)."""

from __future__ import annotations

from .. import activity
from ..models import Thread


def thread_viewed(*, viewer, thread: Thread, last_post_id: int | None) -> None:
    """A page of the thread was shown: count the view (in the cache) and tell the read-state hook."""
    from .. import viewcounts

    viewcounts.record_view(thread.pk)
    if viewer is not None and viewer.is_authenticated and last_post_id:
        activity.on_thread_viewed(user=viewer, thread=thread, last_post_id=last_post_id)
