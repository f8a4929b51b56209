"""The live part of the demo: one open session for all members, and where demo_logins says it is."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command, get_commands

from forum.accounts.models import User
from forum.live import demo
from forum.live.models import ChatMessage, LiveSession, Question, RoomEvent
from forum.organisations import demo as accounts_demo

pytestmark = pytest.mark.django_db


def test_seed_demo_opens_one_session_for_all_members_with_messages_and_questions(settings, client):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())  # idempotent
    session = LiveSession.objects.get()
    assert session.state == "open" and session.audience == "members" and not session.off_the_record
    assert ChatMessage.objects.filter(session=session).count() == len(demo.MESSAGES)
    assert Question.objects.filter(session=session).count() == len(demo.QUESTIONS)
    assert Question.objects.get(source__startswith="How do we protect").votes == 3
    # Written through the room services: numbered, with their room events.
    assert RoomEvent.objects.filter(session=session).count() == session.last_seq > 0
    assert f"/live/{session.pk}/" in out.getvalue()
    member = User.objects.get(email=f"member-olive@{accounts_demo.DEMO_DOMAIN}")
    client.force_login(member)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "Bonjour à toutes et à tous" in page
    # The title in the reader's language (this member reads English; a French reader, French).
    assert "Transitional justice: what should come first?</h1>" in page
    client.force_login(User.objects.get(email=f"member-jasmin@{accounts_demo.DEMO_DOMAIN}"))
    french = client.get(session.get_absolute_url()).content.decode()
    assert "Justice transitionnelle : par quoi commencer ?" in french


def test_demo_logins_prints_the_live_session(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("demo_logins", stdout=out)
    session = LiveSession.objects.get()
    assert f"/live/{session.pk}/" in out.getvalue()
    assert get_commands()["demo_logins"] == "forum.live"
