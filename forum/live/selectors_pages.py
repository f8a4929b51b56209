"""Reads of the live pages: the list of sessions (live now, upcoming, past) a viewer may see.

The room's history is live-core's `selectors.history`; this module holds what only the pages need.
Query counts are constant in the number of sessions listed (pinned by tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from forum.core import conf, hub
from forum.discussions.models import Thread
from forum.discussions.permissions import visible_threads

from . import events, permissions
from .models import LiveSession

PAST_SHOWN = 30  # the most recent past sessions listed


@dataclass
class SessionLists:
    live: list = field(default_factory=list)
    upcoming: list = field(default_factory=list)
    past: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)  # session id -> participants present (participant_counts)


def participant_counts(session_ids) -> dict[int, int]:
    """{session id: people in the room now, across every server process}, for the "live now" list.

    The sockets' hubs write each room's merged count to the cache (`forum.core.hub`); a room with
    nobody is left out. A count only, never names: so off-the-record rooms have one too. No query."""
    groups = {events.room_group(pk): pk for pk in session_ids}
    return {groups[group]: count for group, count in hub.presence_counts(groups).items()}


def session_lists_for_viewer(*, viewer) -> SessionLists:
    """The sessions `viewer` may see, in three lists; the category of each past one is loaded with it."""
    base = permissions.visible_sessions(viewer, LiveSession.objects.all())
    now = timezone.now()
    live = list(base.filter(state=LiveSession.State.OPEN).order_by("starts_at", "pk"))
    upcoming = list(base.filter(state=LiveSession.State.SCHEDULED).order_by("starts_at", "pk"))
    past = list(base.filter(state=LiveSession.State.CLOSED).select_related("transcript_thread")
                .order_by("-starts_at", "-pk")[:PAST_SHOWN])
    soon = now + timedelta(minutes=conf.FORUM_LIVE_REMINDER_MINUTES)
    for session in upcoming:
        session.soon = session.starts_at <= soon
    counts = participant_counts([s.pk for s in live]) if live else {}
    for session in live:
        session.participants = counts.get(session.pk)
    published = [s.transcript_thread_id for s in past if s.transcript_thread_id]
    readable = set(visible_threads(viewer, Thread.objects.filter(pk__in=published)).values_list("pk", flat=True)) \
        if published else set()
    for session in past:
        session.transcript_visible = session.transcript_thread_id in readable
    return SessionLists(live=live, upcoming=upcoming, past=past, counts=counts)


def session_for_page(*, session_id: int, viewer) -> LiveSession:
    """The session with what its page shows (its transcript thread), if the viewer may see it (else 404)."""
    from django.shortcuts import get_object_or_404

    session = get_object_or_404(LiveSession.objects.select_related("transcript_thread", "slow_mode_set_by"),
                                pk=session_id)
    permissions.check_view_session(viewer, session)
    return session
