"""What follows a write in a thread: notifications, subscriptions, read state, live updates.

The services in the `services` package call these inside their transaction, after the row is saved;
anything sent to other people is sent on commit. Kept apart so the thread services stay about
threads and posts.

Who hears what is decided in `audience`; how they hear it is the notifications app's business
(in-app, live badge, email), called with generic data so that app knows nothing of threads.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from forum.core import translated
from forum.notifications import outbox
from forum.notifications import services as notifications

from . import audience, events, subscriptions, unread
from .models import Post

logger = logging.getLogger(__name__)

EXCERPT_CHARS = 160
# How long a runner holds a post's fan-out. Writing one post's notifications takes well under a
# second, so a runner that dies (killed worker, stopped process) is replaced soon: the next
# `send_pending_emails` after the lease runs out takes the post up again.
FANOUT_LEASE = timedelta(seconds=30)
FANOUT_BATCH = 100


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


def excerpts_refresh(posts) -> int:
    """Notifications about these posts quote their current HTML (after a repair of stored HTML)."""
    return notifications.excerpts_replace(excerpts={post_key(post): _excerpt(post) for post in posts})


def post_key(post) -> str:
    """The notification key of a post: a member hears about one post once."""
    return f"post:{post.pk}"


def _notify(post, reasons: dict[int, str]) -> None:
    if not reasons:
        return
    thread = post.thread
    recipients = audience.allowed_recipients(thread, set(reasons))
    data = {"thread_title": thread.title, "thread_id": thread.pk, "post_id": post.pk,
            "category_name": thread.category.name,
            "category_names": translated.snapshot(thread.category, "name"), "excerpt": _excerpt(post), "group": f"thread:{thread.pk}"}
    notices = [
        notifications.Notice(recipient=user, kind=reasons[uid], actor=post.author,
                             url=post.get_absolute_url(), data=data, key=post_key(post))
        for uid, user in recipients.items()
    ]
    notifications.notify_many(notices=notices)


# --- The fan-out of a new post: who hears of it, and their notifications ------------------------
# Done after commit on the e-mail worker when there is one, so the writer's request neither asks
# who watches, mentions or may read nor writes their notifications (about ten round trips). It is
# durable: the post is written with `fanout_pending_at` set (same insert), the worker clears it
# once the notifications are written, and `send_pending_emails` (cron) does any left pending over
# a minute. Notification keys ("post:<id>") make a second run notify nobody twice.


def fanout_deferred() -> bool:
    """Whether new posts' notifications are decided after commit: with the background worker
    (and a channel layer it can reach, see `outbox.live_worker_applies`), or with no worker at all
    (the command does it). "sync" (tests) keeps it in the request."""
    return outbox.mode() == "off" or outbox.live_worker_applies()


def fanout_stamp():
    """The `fanout_pending_at` a new post is written with: now when its fan-out is deferred."""
    return timezone.now() if fanout_deferred() else None


def _fan_out(post, *, new_thread: bool) -> None:
    if post.fanout_pending_at is None:
        _notify(post, audience.reasons_for_post(post, new_thread=new_thread))
        return
    post_id = post.pk
    outbox.run_after_commit(lambda: process_pending_fanout(post_ids=[post_id]))


def process_pending_fanout(*, older_than: timedelta | None = None, post_ids=None) -> int:
    """Notify about every post whose fan-out is pending (of posts written at least `older_than`
    ago; only `post_ids` when given); returns how many posts were done. Safe to run from several
    processes at once: posts are taken under a lease (`fanout_pending_at` moved `FANOUT_LEASE`
    into the future), and a post done twice notifies nobody twice.

    The age is the post's (`created_at`), the lease is `fanout_pending_at`: a lease that ran out
    (its runner died) makes the post pending again at once, not `older_than` after that."""
    now = timezone.now()
    written_before = now - (older_than or timedelta(0))
    done = 0
    while True:
        pending = Post.objects.filter(fanout_pending_at__isnull=False, fanout_pending_at__lte=now,
                                      created_at__lte=written_before)
        if post_ids is not None:
            pending = pending.filter(pk__in=post_ids)
        ids = list(pending.order_by("fanout_pending_at", "id").values_list("id", flat=True)[:FANOUT_BATCH])
        if not ids:
            return done
        lease = timezone.now() + FANOUT_LEASE + timedelta(microseconds=random.randrange(1, 10**6))  # noqa: S311
        Post.objects.filter(pk__in=ids, fanout_pending_at__isnull=False, fanout_pending_at__lte=now).update(
            fanout_pending_at=lease)
        for post in (Post.objects.filter(fanout_pending_at=lease).select_related("thread__category", "author")
                     .order_by("id")):
            with transaction.atomic():
                if post.deleted_at is None and post.hidden_at is None:  # removed meanwhile: nobody hears
                    _notify(post, audience.reasons_for_post(post, new_thread=post.parent_id is None))
                Post.objects.filter(pk=post.pk, fanout_pending_at=lease).update(fanout_pending_at=None)
            done += 1
        if len(ids) < FANOUT_BATCH:
            return done


# Sent after commit by the notifications app's live worker (outbox.broadcast_on_commit), not from
# the writer's request: same events, same order, as forum.core.realtime.broadcast_on_commit.
def broadcast_to_thread(thread_id: int, event: dict) -> None:
    """After commit, number `event` with the thread's next `seq` and send it to the thread's open
    pages. Every event of a thread's group goes through here (polls' too): one numbering, no gap."""
    group = events.thread_group(thread_id)
    transaction.on_commit(lambda: outbox.broadcast_now_or_soon(group, _numbered(thread_id, event)))


def _numbered(thread_id: int, event: dict) -> dict:
    try:
        return events.with_seq(thread_id, event)
    except Exception:  # the cache is down: send it unnumbered (pages apply it; a reload heals)
        logger.exception("no sequence number for an event of thread %s", thread_id)
        return dict(event)


def _broadcast_to_category(category_id: int, event: dict) -> None:
    outbox.broadcast_on_commit(events.category_group(category_id), event)


def on_thread_created(thread, post) -> None:
    """A thread and its opening post were saved: the author watches it; category watchers hear."""
    subscriptions.watch_on_participation(user=post.author, thread=thread)
    unread.mark_read(user=post.author, thread=thread, last_post_id=post.pk)
    _fan_out(post, new_thread=True)
    _broadcast_to_category(thread.category_id, events.thread_created(thread))


def on_post_created(post) -> None:
    """A reply was saved: author watches the thread; repliee, mentioned, quoted and watchers hear
    (after commit when deferred, see `fanout_deferred`); pages update."""
    thread = post.thread
    subscriptions.watch_on_participation(user=post.author, thread=thread)
    unread.mark_read(user=post.author, thread=thread, last_post_id=post.pk)
    _fan_out(post, new_thread=False)
    broadcast_to_thread(thread.pk, events.post_created(post))
    _broadcast_to_category(thread.category_id, events.thread_activity(thread, post))


def on_post_edited(post) -> None:
    """A post's text changed: open pages update; newly mentioned members hear."""
    reasons = audience.reasons_for_post(post, include_watchers=False)
    # Only mentions and quotes can be new; the person answered heard of it when it was written.
    _notify(post, {uid: reason for uid, reason in reasons.items() if reason != audience.REPLY})
    broadcast_to_thread(post.thread_id, events.post_edited(post))


def on_post_removed(post) -> None:
    """A post was deleted by its author or hidden by a moderator: open pages update."""
    notifications.forget_excerpt(key=post_key(post))
    broadcast_to_thread(post.thread_id, events.post_removed(post))


def on_thread_changed(thread) -> None:
    """Pinned, locked, moved or renamed: open thread and list pages update."""
    event = events.thread_changed(thread)
    broadcast_to_thread(thread.pk, event)
    _broadcast_to_category(thread.category_id, event)


def on_thread_split(thread) -> None:
    """Replies were moved to the new `thread`: open pages of the old one drop them, list pages
    show the new thread. No notification: the posts are not new (links to them still lead there)."""
    _broadcast_to_category(thread.category_id, events.thread_created(thread))


def on_thread_viewed(*, user, thread, last_post_id: int) -> None:
    """A member saw the thread up to `last_post_id`: remember it for unread tracking, and mark
    read their notifications about the posts they have now seen (the badge follows live)."""
    if unread.mark_read(user=user, thread=thread, last_post_id=last_post_id):
        notifications.mark_read_about(actor=user, data={"thread_id": thread.pk}, up_to={"post_id": last_post_id})
