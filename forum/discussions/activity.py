"""What follows a write in a thread: notifications, subscriptions, read state, live updates.

The services in `services.py` call these inside their transaction, after the row is saved;
anything sent to other people is sent on commit. Kept apart so the thread services stay about
threads and posts.
"""

from __future__ import annotations


def on_thread_created(thread, post) -> None:
    """A thread and its opening post were saved: the author watches it; category watchers hear."""


def on_post_created(post) -> None:
    """A reply was saved: author watches the thread; repliee, mentioned, quoted and watchers hear; pages update."""


def on_post_edited(post) -> None:
    """A post's text changed: open pages update; newly mentioned members hear."""


def on_post_removed(post) -> None:
    """A post was deleted by its author or hidden by a moderator: open pages update."""


def on_thread_changed(thread) -> None:
    """Pinned, locked, moved or renamed: open thread and list pages update."""


def on_thread_viewed(*, user, thread, last_post_id: int) -> None:
    """A member saw the thread up to `last_post_id`: remember it for unread tracking."""
