"""The off-the-record purge (`live.purge_off_the_record`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from forum.core import jobs
from forum.live import services
from forum.live.models import ChatMessage, LiveSession, Question, QuestionVote, RoomEvent

pytestmark = pytest.mark.django_db


def _room(make_session, member, make_user, say, ask, session_moderator, *, off_the_record=True):
    session = make_session(off_the_record=off_the_record)
    moderator = session_moderator(session)
    say(session, member, "Said in confidence")
    q = ask(session, member, "Confidential question?")
    services.question_vote(actor=make_user(), session=session, question_id=q.pk)
    services.slow_mode_set(actor=moderator, session=session, seconds=10, reason="Calm")
    services.session_close(actor=moderator, session=session)
    return session


def _age(session, days):
    LiveSession.objects.filter(pk=session.pk).update(closed_at=timezone.now() - timedelta(days=days))


def test_the_job_is_declared():
    declared = jobs.get("live.purge_off_the_record")
    assert declared.schedule == jobs.HOURLY and "off-the-record" in declared.description


def test_an_off_the_record_room_is_forgotten_after_the_retention(make_session, member, make_user, say, ask,
                                                                 session_moderator, settings):
    settings.FORUM_LIVE_OFF_RECORD_RETENTION_DAYS = 7
    session = _room(make_session, member, make_user, say, ask, session_moderator)
    seqs_before = list(RoomEvent.objects.filter(session=session).values_list("seq", flat=True))
    _age(session, 6)
    assert jobs.get("live.purge_off_the_record").run() == 0
    assert ChatMessage.objects.filter(session=session).exists()
    _age(session, 8)
    assert jobs.get("live.purge_off_the_record").run() == 1
    assert not ChatMessage.objects.filter(session=session).exists()
    assert not Question.objects.filter(session=session).exists() and not QuestionVote.objects.exists()
    session.refresh_from_db()
    assert session.purged_at is not None
    payloads = list(RoomEvent.objects.filter(session=session).order_by("seq").values_list("payload", flat=True))
    assert [p["seq"] for p in payloads] == seqs_before  # numbers kept: no gap
    text = str(payloads)
    assert "confidence" not in text and "Confidential" not in text and member.public_name not in text
    assert {p["type"] for p in payloads} == {"message_removed", "question_removed", "slow_mode", "room_state"}
    assert jobs.get("live.purge_off_the_record").run() == 0  # once


def test_rooms_on_the_record_and_open_ones_are_kept(make_session, member, make_user, say, ask, session_moderator):
    kept = _room(make_session, member, make_user, say, ask, session_moderator, off_the_record=False)
    _age(kept, 30)
    still_open = make_session(off_the_record=True)
    say(still_open, member)
    assert jobs.get("live.purge_off_the_record").run() == 0
    assert ChatMessage.objects.count() == 2 and Question.objects.count() == 1
