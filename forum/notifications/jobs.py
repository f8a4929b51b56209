"""Background jobs of the notifications app (the registry: forum/core/jobs.py)."""

from forum.core import jobs

from . import emails, outbox


@jobs.job(name="notifications.pending_emails", schedule=jobs.EVERY_MINUTE)
def send_pending_emails() -> int:
    """Catch up on the after-commit work the worker left undone for over a minute (every
    after-commit job's catch-up: who hears of a post), then send the immediate emails due as long.
    Returns how many emails were sent."""
    _caught_up, sent = outbox.catch_up(older_than=outbox.COMMAND_GRACE)
    return sent


@jobs.job(name="notifications.digests", schedule=jobs.HOURLY)
def send_digests() -> int:
    """The daily digest email to every member who chose it and is due one (each member at most
    once a day, whatever the number of runs)."""
    return emails.send_digests()
