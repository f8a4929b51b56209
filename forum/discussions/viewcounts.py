"""Thread view counts without a database write per page view.

Each view increments a counter in the cache. At most once per FORUM_VIEW_FLUSH_SECONDS per thread
(default 60) the page view that finds the flush window open moves the pending count into
`Thread.view_count` with one UPDATE; `manage.py flush_view_counts` moves whatever is pending
(run it from cron, or before a deploy). Counts that the cache loses before a flush are lost: a
view count is an estimate, not a ledger.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db.models import F

from forum.core import conf
from forum.core.availability import CACHE_ERRORS

from .models import Thread

logger = logging.getLogger(__name__)

_PENDING = "forum:views:{}"
_WINDOW = "forum:views-flushed:{}"


def flush_interval() -> int:
    return int(conf.FORUM_VIEW_FLUSH_SECONDS)


def pending_views(thread_id: int) -> int:
    """Views counted but not yet flushed; 0 when the cache is down (the page shows the stored count)."""
    try:
        return int(cache.get(_PENDING.format(thread_id)) or 0)
    except CACHE_ERRORS:
        return 0


def record_view(thread_id: int) -> None:
    """Count one view; flush this thread's pending views if it has not been flushed recently.
    With the cache down the view goes uncounted: reading must not fail for an estimate."""
    try:
        _record_view(thread_id)
    except CACHE_ERRORS as exc:
        logger.warning("view of thread %s not counted: %s", thread_id, exc)


def _record_view(thread_id: int) -> None:
    key = _PENDING.format(thread_id)
    if not cache.add(key, 1, timeout=None):
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, 1, timeout=None)
    if cache.add(_WINDOW.format(thread_id), 1, timeout=flush_interval()):
        flush_thread(thread_id)


def flush_thread(thread_id: int) -> int:
    """Move the pending views of one thread into the database; returns how many were moved."""
    key = _PENDING.format(thread_id)
    count = int(cache.get(key) or 0)
    if count <= 0:
        return 0
    try:
        # decr, not delete: views counted between the read and now stay pending.
        cache.decr(key, count)
    except ValueError:
        return 0
    Thread.objects.filter(pk=thread_id).update(view_count=F("view_count") + count)
    return count


def flush_all(thread_ids=None, batch: int = 500) -> int:
    """Flush every thread's pending views (or those of `thread_ids`); returns the total moved."""
    ids = list(thread_ids) if thread_ids is not None else list(Thread.objects.values_list("pk", flat=True))
    moved = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        found = cache.get_many([_PENDING.format(i) for i in chunk])
        for i in chunk:
            if int(found.get(_PENDING.format(i)) or 0) > 0:
                moved += flush_thread(i)
    return moved
