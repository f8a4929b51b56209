"""What follows a write in a thread: notifications, subscriptions, read state, live updates.

The services in `services.py` call these inside their transaction, after the row is saved;
anything sent to other people is sent on commit. Kept apart so the thread services stay about
threads and posts.

Who hears what is decided in `audience`; how they hear it is the notifications app's business
(in-app, live badge, email), called with generic data so that app knows nothing of threads.
"""

from __future__ import annotations

from django.utils.html import strip_tags
from django.utils.text import Truncator

from forum.notifications import outbox
from forum.notifications import services as notifications

from . import audience, events, subscriptions, unread

EXCERPT_CHARS = 160


# Enough HTML for the excerpt's words almost always; stripping tags from a whole long post cost
# about a millisecond per write.
_EXCERPT_HTML_CHARS = 1500


def _excerpt(post) -> str:
    html = post.html or ""
    if len(html) > _EXCERPT_HTML_CHARS:
        head = html[:_EXCERPT_HTML_CHARS]
        head = head[: head.rfind("<")] if head.rfind("<") > head.rfind(">") else head  # no cut tag
        text = " ".join(strip_tags(head).split())
        if len(text) > EXCERPT_CHARS:
            return Truncator(text).chars(EXCERPT_CHARS)
    text = " ".join(strip_tags(html).split())
    return Truncator(text).chars(EXCERPT_CHARS)


def post_key(post) -> str:
    """The notification key of a post: a member hears about one post once."""
    return f"post:{post.pk}"


def _notify(post, reasons: dict[int, str]) -> None:
    if not reasons:
        return
    thread = post.thread
    recipients = audience.allowed_recipients(thread, set(reasons))
    data = {"thread_title": thread.title, "thread_id": thread.pk, "post_id": post.pk,
            "category_name": thread.category.name, "excerpt": _excerpt(post), "group": f"thread:{thread.pk}"}
    notices = [
        notifications.Notice(recipient=user, kind=reasons[uid], actor=post.author,
                             url=post.get_absolute_url(), data=data, key=post_key(post))
        for uid, user in recipients.items()
    ]
    notifications.notify_many(notices=notices)


# Sent after commit by the notifications app's live worker (outbox.broadcast_on_commit), not from
# the writer's request: same events, same order, as forum.core.realtime.broadcast_on_commit.
def _broadcast_to_thread(thread_id: int, event: dict) -> None:
    outbox.broadcast_on_commit(events.thread_group(thread_id), event)


def _broadcast_to_category(category_id: int, event: dict) -> None:
    outbox.broadcast_on_commit(events.category_group(category_id), event)


def on_thread_created(thread, post) -> None:
    """A thread and its opening post were saved: the author watches it; category watchers hear."""
    subscriptions.watch_on_participation(user=post.author, thread=thread)
    unread.mark_read(user=post.author, thread=thread, last_post_id=post.pk)
    _notify(post, audience.reasons_for_post(post, new_thread=True))
    _broadcast_to_category(thread.category_id, events.thread_created(thread))


def on_post_created(post) -> None:
    """A reply was saved: author watches the thread; repliee, mentioned, quoted and watchers hear; pages update."""
    thread = post.thread
    subscriptions.watch_on_participation(user=post.author, thread=thread)
    unread.mark_read(user=post.author, thread=thread, last_post_id=post.pk)
    _notify(post, audience.reasons_for_post(post))
    _broadcast_to_thread(thread.pk, events.post_created(post))
    _broadcast_to_category(thread.category_id, events.thread_activity(thread, post))


def on_post_edited(post) -> None:
    """A post's text changed: open pages update; newly mentioned members hear."""
    reasons = audience.reasons_for_post(post, include_watchers=False)
    # Only mentions and quotes can be new; the person answered heard of it when it was written.
    _notify(post, {uid: reason for uid, reason in reasons.items() if reason != audience.REPLY})
    _broadcast_to_thread(post.thread_id, events.post_edited(post))


def on_post_removed(post) -> None:
    """A post was deleted by its author or hidden by a moderator: open pages update."""
    notifications.forget_excerpt(key=post_key(post))
    _broadcast_to_thread(post.thread_id, events.post_removed(post))


def on_thread_changed(thread) -> None:
    """Pinned, locked, moved or renamed: open thread and list pages update."""
    event = events.thread_changed(thread)
    _broadcast_to_thread(thread.pk, event)
    _broadcast_to_category(thread.category_id, event)


def on_thread_viewed(*, user, thread, last_post_id: int) -> None:
    """A member saw the thread up to `last_post_id`: remember it for unread tracking, and mark
    read their notifications about the posts they have now seen (the badge follows live)."""
    if unread.mark_read(user=user, thread=thread, last_post_id=last_post_id):
        notifications.mark_read_about(actor=user, data={"thread_id": thread.pk}, up_to={"post_id": last_post_id})
