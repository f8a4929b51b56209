"""Background jobs of the live app (the registry: forum/core/jobs.py)."""

from forum.core import jobs

from .services import retention


@jobs.job(name="live.purge_off_the_record", schedule=jobs.HOURLY)
def purge_off_the_record() -> int:
    """Delete the messages and questions of off-the-record sessions closed more than
    FORUM_LIVE_OFF_RECORD_RETENTION_DAYS ago (their stored room events become tombstones) and mark
    the sessions purged; returns how many sessions."""
    return retention.off_the_record_purge()
