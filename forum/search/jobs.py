"""Background jobs of the search app (the registry: forum/core/jobs.py)."""

from datetime import timedelta

from forum.core import jobs

from . import services


@jobs.job(name="search.index_pending", schedule=jobs.AFTER_COMMIT)
def index_pending(*, older_than: timedelta) -> int:
    """After a post commits, build its search document (the post is queued in `PendingDocument`
    by the writing transaction; `services.index_pending`). This is the catch-up for posts still
    queued after `older_than`; returns how many were done."""
    return services.index_pending(older_than=older_than)
