"""Forgetting what off-the-record rooms said (Chatham House rule), some days after they close."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from forum.core import conf

from .. import events
from ..models import ChatMessage, LiveSession, Question, RoomEvent

# The stored events that showed a message or question, and what each becomes.
_TOMBSTONES = (
    (events.SHOWS_MESSAGE + (events.MESSAGE_REMOVED,),
     lambda event: events.message_tombstone(seq=event.seq, message_id=event.ref_id)),
    (events.SHOWS_QUESTION + (events.QUESTION_REMOVED,),
     lambda event: events.question_removed(seq=event.seq, question_id=event.ref_id)),
)


def off_the_record_due(*, now=None):
    """Off-the-record sessions closed more than FORUM_LIVE_OFF_RECORD_RETENTION_DAYS ago, not purged yet."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=conf.FORUM_LIVE_OFF_RECORD_RETENTION_DAYS)
    return LiveSession.objects.filter(off_the_record=True, state=LiveSession.State.CLOSED, purged_at__isnull=True,
                                      closed_at__lt=cutoff)


def off_the_record_purge(*, now=None) -> int:
    """Delete the messages and questions (votes with them) of every due off-the-record session, and
    empty the stored events that showed them down to tombstones (`{type, seq, id}`: no text, no
    author); set `purged_at`. One transaction per session; returns how many sessions were purged."""
    now = now or timezone.now()
    purged = 0
    for session_id in list(off_the_record_due(now=now).values_list("pk", flat=True)):
        with transaction.atomic():
            session = LiveSession.objects.select_for_update().filter(pk=session_id, purged_at__isnull=True).first()
            if session is None:  # another runner did it
                continue
            for kinds, tombstone in _TOMBSTONES:
                for event in RoomEvent.objects.filter(session=session, kind__in=kinds).only("pk", "seq", "ref_id"):
                    RoomEvent.objects.filter(pk=event.pk).update(payload=tombstone(event))
            ChatMessage.objects.filter(session=session).delete()
            Question.objects.filter(session=session).delete()
            LiveSession.objects.filter(pk=session.pk).update(purged_at=now)
            purged += 1
    return purged
