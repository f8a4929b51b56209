"""Unread tracking: how far each member has read each thread, and what is new since.

A `ReadState` row holds the highest post id a member has seen in a thread; it only moves forward
(reading an older page does not make newer posts unread again). A post is unread for a member
when it is live (not deleted or hidden), written by someone else, newer than that mark (a thread
never opened has no mark), and written in the last `FORUM_UNREAD_DAYS` days (default 30: what is
older is no longer news, and the counts stay cheap on a large forum). Muted threads count
nothing. Counts for a list of threads or of categories cost one aggregate query, whatever the
list's length.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, FilteredRelation, Q, Subquery
from django.utils import timezone

from forum.core import conf
from forum.core.availability import CACHE_ERRORS

from . import permissions
from .models import Post, ReadState, Subscription


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


# The last mark written per (member, thread) is remembered in the cache, so viewing a thread one
# has already read costs no database query (and never a write per page view).
MARK_CACHE_SECONDS = 3600


def _mark_cache_key(user_id: int, thread_id: int) -> str:
    return f"forum:readmark:{int(user_id)}:{int(thread_id)}"


def mark_read(*, user, thread, last_post_id: int) -> bool:
    """Move the member's mark in the thread forward to `last_post_id`; True when it may have moved.

    No query when the cache says the mark is already there; otherwise two at most.
    """
    if not _signed_in(user) or not last_post_id:
        return False
    key = _mark_cache_key(user.pk, thread.pk)
    try:
        remembered = cache.get(key) or 0
    except CACHE_ERRORS:  # the cache only spares a query: go to the database
        remembered = 0
    if remembered >= last_post_id:
        return False
    _upsert_mark(user.pk, thread.pk, last_post_id)
    # Remembered at once (not on commit): were the write rolled back, the cost is only that the
    # posts up to here count as unread until a newer post is read.
    try:
        cache.set(key, last_post_id, MARK_CACHE_SECONDS)
    except CACHE_ERRORS:  # remembered next time
        pass
    return True


def _upsert_mark(user_id: int, thread_id: int, last_post_id: int) -> None:
    """Insert the member's mark, or move an existing one forward (never back), in ONE statement:
    `INSERT … ON CONFLICT (user, thread) DO UPDATE … WHERE` the stored mark is lower (PostgreSQL and
    SQLite ≥ 3.24 share the syntax). Django's `bulk_create(update_conflicts=True)` has no WHERE, so
    it would move a mark backwards when an older page is read."""
    table = connection.ops.quote_name(ReadState._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, thread_id, last_read_post_id, updated_at) VALUES (%s, %s, %s, %s) "  # noqa: S608 - the table name is ours
            "ON CONFLICT (user_id, thread_id) DO UPDATE SET last_read_post_id = excluded.last_read_post_id, "
            f"updated_at = excluded.updated_at WHERE {table}.last_read_post_id < excluded.last_read_post_id",
            [int(user_id), int(thread_id), int(last_post_id),
             connection.ops.adapt_datetimefield_value(timezone.now())])


def forget_marks(user, thread_ids) -> None:
    """Drop remembered marks (after read states were erased)."""
    cache.delete_many([_mark_cache_key(user.pk, tid) for tid in thread_ids])


def last_read_post_id(user, thread) -> int | None:
    """The member's mark in the thread, or None when they never opened it."""
    if not _signed_in(user):
        return None
    return ReadState.objects.filter(user=user, thread=thread).values_list("last_read_post_id", flat=True).first()


def _live_posts():
    return Post.objects.filter(deleted_at__isnull=True, hidden_at__isnull=True)


def first_unread_post_id(user, thread) -> int | None:
    """The first post the member has not seen since their last visit ("new since your last visit"
    marker); None when they never opened the thread or have seen everything. One query (the mark
    is a subquery: no mark, no row), none for visitors nor when the remembered mark already reaches
    the thread's newest post; call it before the view is recorded."""
    if not _signed_in(user):
        return None
    newest = getattr(thread, "last_post_id", None)
    if newest:
        # A re-read: the remembered mark (see `mark_read`) already covers the thread's newest post,
        # so nothing is new and no query is needed.
        try:
            remembered = cache.get(_mark_cache_key(user.pk, thread.pk)) or 0
        except CACHE_ERRORS:
            remembered = 0
        if remembered >= newest:
            return None
    mark = ReadState.objects.filter(user=user, thread=thread).values("last_read_post_id")[:1]
    return (_live_posts().filter(thread=thread, pk__gt=Subquery(mark)).exclude(author=user)
            .order_by("pk").values_list("pk", flat=True).first())


def unread_window_start():
    days = int(conf.FORUM_UNREAD_DAYS)
    return timezone.now() - timedelta(days=days)


def _unread_posts(user):
    # The member's read mark joins each post's thread (a LEFT JOIN on the unique (user, thread)
    # row), rather than a subquery per post row: one pass over the posts, however many.
    muted = Subscription.objects.filter(user=user, thread__isnull=False, level=Subscription.Level.MUTE)
    return (_live_posts()
            .annotate(mark=FilteredRelation("thread__read_states", condition=Q(thread__read_states__user=user)))
            .filter(Q(mark__last_read_post_id__isnull=True) | Q(pk__gt=F("mark__last_read_post_id")),
                    created_at__gte=unread_window_start())
            .exclude(author=user)
            .exclude(thread_id__in=muted.values("thread_id")))


def unread_counts(user, thread_ids) -> dict[int, int]:
    """{thread id: unread posts} for the given threads (already filtered for visibility by the
    caller), in one query; every id is present (0 when nothing is unread)."""
    ids = [int(i) for i in thread_ids]
    counts = dict.fromkeys(ids, 0)
    if not ids or not _signed_in(user):
        return counts
    rows = (_unread_posts(user).filter(thread_id__in=ids).order_by().values("thread_id")
            .annotate(n=Count("id")).values_list("thread_id", "n"))
    counts.update(dict(rows))
    return counts


def category_unread_counts(user, category_ids) -> dict[int, int]:
    """{category id: unread posts in its visible threads} in one aggregate query (plus the
    member's visibility facts, loaded once per user object). A subcategory's posts count for the
    subcategory, not its parent: sum them on the page if wanted."""
    ids = [int(i) for i in category_ids]
    counts = dict.fromkeys(ids, 0)
    if not ids or not _signed_in(user):
        return counts
    threads = permissions.visible_threads(user).filter(category_id__in=ids, deleted_at__isnull=True)
    rows = (_unread_posts(user).filter(thread__in=threads.values("pk")).order_by()
            .values("thread__category_id").annotate(n=Count("id")).values_list("thread__category_id", "n"))
    counts.update(dict(rows))
    return counts
