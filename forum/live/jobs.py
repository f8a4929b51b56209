"""Background jobs of the live app (the registry: forum/core/jobs.py)."""

from forum.core import jobs

from . import reminders

# --- Reminders (live-pages) ---------------------------------------------------------------------

@jobs.job(name="live.reminders", schedule=jobs.EVERY_MINUTE)
def send_reminders() -> int:
    """Notify the audience of each session starting within FORUM_LIVE_REMINDER_MINUTES, once;
    returns how many notifications were written."""
    return reminders.send_due_reminders()
