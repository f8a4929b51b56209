"""Live events of polls. They go to the thread's group (`discussions.thread.<id>`), so every open
page of the thread hears them through its existing socket (`ws/threads/<id>/`).

A payload carries ids and the address of the results fragment, never counts or names: what a reader
may see (results only after voting, say) depends on the reader, so each page fetches the fragment,
which renders what that reader may see. A secret poll's event is the same as a public one's.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from forum.discussions.events import thread_group  # noqa: F401  (re-exported: the audience)

POLL_COUNTED = "polls.poll.counted"
POLL_CHANGED = "polls.poll.changed"


def results_url(poll_id: int) -> str:
    return reverse("polls:results", kwargs={"poll_id": poll_id})


def poll_counted(poll, *, ballots: int) -> dict[str, Any]:
    """A ballot was cast or changed: the results may have moved."""
    return {"type": POLL_COUNTED, "poll_id": poll.pk, "thread_id": poll.thread_id, "ballots": ballots,
            "results_url": results_url(poll.pk)}


def poll_changed(poll) -> dict[str, Any]:
    """The poll was added or closed: the page reloads its poll section."""
    return {"type": POLL_CHANGED, "poll_id": poll.pk, "thread_id": poll.thread_id,
            "results_url": results_url(poll.pk)}
