"""Keyword-only factories for live sessions and their rooms (imported by tests/live/conftest.py)."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

_n = itertools.count(1)


@pytest.fixture(autouse=True)
def _generous_live_rates(settings):
    """Tests send many messages quickly; the rate-limit tests set their own, lower rates."""
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "live_message": "100000/m",
                                  "live_question": "100000/m"}


@pytest.fixture
def make_session(db):
    """make_session(state="open", audience="members", organisations=(), moderators=(), ...)."""
    from forum.live.models import LiveSession

    def make(*, title: str | None = None, state: str = "open", audience: str = "members", organisations=(),
             organisers=(), moderators=(), mode: str = "both", off_the_record: bool = False,
             questions_held: bool = False, read_only: bool = False, slow_mode_seconds: int = 0,
             category=None, starts_at=None, hours: int = 2, closed_at=None) -> LiveSession:
        starts_at = starts_at or timezone.now() - timedelta(minutes=10)
        session = LiveSession.objects.create(
            title=title or f"Session {next(_n)}", starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours),
            audience=audience, state=state, mode=mode, off_the_record=off_the_record,
            questions_held=questions_held, read_only=read_only, slow_mode_seconds=slow_mode_seconds,
            category=category, closed_at=closed_at or (timezone.now() if state == "closed" else None),
            opened_at=timezone.now() if state != "scheduled" else None)
        session.organisations.set(organisations)
        session.organisers.set(organisers)
        session.moderators.set(moderators)
        return session

    return make


@pytest.fixture
def session_moderator(make_user, give_mfa):
    """session_moderator(session) -> a member appointed moderator of `session`, with a second factor."""
    def make(session, *, mfa: bool = True):
        user = make_user(role="member")
        session.moderators.add(user)
        return give_mfa(user) if mfa else user

    return make


@pytest.fixture
def say():
    """say(session, user, body="...") -> the stored message, through the real service."""
    from forum.live import services

    def send(session, user, body: str | None = None, client_id=None):
        msg, _created = services.message_send(actor=user, session=session, client_id=str(client_id or uuid.uuid4()),
                                              body=body or f"Message {next(_n)}")
        return msg

    return send


@pytest.fixture
def ask():
    """ask(session, user, body="...") -> the stored question, through the real service."""
    from forum.live import services

    def send(session, user, body: str | None = None):
        question, _created = services.question_ask(actor=user, session=session, client_id=str(uuid.uuid4()),
                                                   body=body or f"Question {next(_n)}?")
        return question

    return send


@pytest.fixture
def broadcasts(monkeypatch):
    """Frames broadcast after commit, as (group, frame) pairs, in order."""
    from forum.core import realtime

    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(realtime, "broadcast", lambda group, event: sent.append((group, event)))
    return sent
