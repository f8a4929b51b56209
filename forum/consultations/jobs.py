"""Background jobs of consultations (the registry: forum/core/jobs.py)."""

from forum.core import jobs

from . import reminders


@jobs.job(name="consultations.reminders", schedule=jobs.EVERY_MINUTE)
def send_reminders() -> int:
    """Remind the representatives of each organisation that has not responded to a consultation
    closing within FORUM_CONSULTATION_REMINDER_HOURS, once per organisation; returns how many
    notifications were written."""
    return reminders.send_due_reminders()
