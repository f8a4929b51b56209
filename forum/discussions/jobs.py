"""Background jobs of the discussions app (the registry: forum/core/jobs.py)."""

from datetime import timedelta

from forum.core import jobs

from . import activity, attachments, viewcounts


@jobs.job(name="discussions.fanout", schedule=jobs.AFTER_COMMIT)
def fanout(*, older_than: timedelta) -> int:
    """After a post commits, decide who hears of it and write their notifications (the post is
    written with `fanout_pending_at` set; `activity.process_pending_fanout`). This is the catch-up
    for posts still pending after `older_than`; returns how many posts were done."""
    return activity.process_pending_fanout(older_than=older_than)


@jobs.job(name="discussions.view_counts", schedule=jobs.EVERY_MINUTE)
def flush_view_counts() -> int:
    """Move thread view counts pending in the cache into the database; returns how many views."""
    return viewcounts.flush_all()


@jobs.job(name="discussions.prune_attachments", schedule=jobs.DAILY)
def prune_attachments() -> int:
    """Delete uploaded images no post took within FORUM_UPLOAD_PENDING_HOURS, files included;
    returns how many."""
    return attachments.attachments_prune()
