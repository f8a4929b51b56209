"""Chat, questions and room moderation through the real services."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from forum.accounts.templatetags.accounts_tags import initials
from forum.audit.models import AuditEntry
from forum.live import selectors, services
from forum.live.errors import RoomError
from forum.live.models import ChatMessage, LiveSession, Question, QuestionVote, RoomEvent

pytestmark = pytest.mark.django_db


def _events(session):
    return list(RoomEvent.objects.filter(session=session).order_by("seq").values_list("seq", "kind", "payload"))


def _code(excinfo):
    return excinfo.value.code


# --- message_send ----------------------------------------------------------------------------------

def test_a_message_is_stored_numbered_and_broadcast_after_commit(make_session, member, broadcasts,
                                                                 django_capture_on_commit_callbacks):
    session = make_session()
    client_id = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        msg, created = services.message_send(actor=member, session=session, client_id=client_id, body="Hello *all*")
    assert created and msg.seq == 1
    assert msg.html == "Hello <em>all</em>"
    session.refresh_from_db()
    assert session.last_seq == 1
    [(seq, kind, payload)] = _events(session)
    assert (seq, kind) == (1, "message")
    assert payload == {"type": "message", "seq": 1, "id": msg.pk, "client_id": client_id,
                       "author": {"id": member.pk, "name": member.public_name,
                                  "initials": initials(member.public_name), "avatar": f"avatar-hue-{member.pk % 12}",
                                  "organisation": member.memberships.get().organisation.name, "observer": False},
                       "html": "Hello <em>all</em>", "sent_at": msg.created_at.isoformat(), "edited_at": None}
    assert broadcasts == [(f"live.room.{session.pk}", payload)]


def test_the_broadcast_waits_for_the_commit(make_session, member, broadcasts, django_capture_on_commit_callbacks):
    session = make_session()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.message_send(actor=member, session=session, client_id=str(uuid.uuid4()), body="Hi")
    assert len(callbacks) == 1 and broadcasts == []  # sent only when the outer transaction commits


def test_nothing_is_stored_or_broadcast_when_the_transaction_rolls_back(make_session, member, broadcasts,
                                                                        django_capture_on_commit_callbacks):
    from django.db import transaction

    session = make_session()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.message_send(actor=member, session=session, client_id=str(uuid.uuid4()), body="Hi")
            raise RuntimeError("the caller failed after the send")
    assert callbacks == [] and broadcasts == []
    assert not ChatMessage.objects.exists() and not RoomEvent.objects.exists()
    session.refresh_from_db()
    assert session.last_seq == 0


def test_a_repeated_client_id_returns_the_stored_message_and_adds_no_event(make_session, member):
    session = make_session()
    client_id = str(uuid.uuid4())
    first, created = services.message_send(actor=member, session=session, client_id=client_id, body="Once")
    again, created_again = services.message_send(actor=member, session=session, client_id=client_id, body="Once")
    assert created and not created_again and again.pk == first.pk
    assert ChatMessage.objects.count() == 1 and RoomEvent.objects.count() == 1


def test_the_same_client_id_from_another_author_is_another_message(make_session, make_user):
    session = make_session()
    client_id = str(uuid.uuid4())
    a, _ = services.message_send(actor=make_user(), session=session, client_id=client_id, body="A")
    b, created = services.message_send(actor=make_user(), session=session, client_id=client_id, body="B")
    assert created and a.pk != b.pk and (a.seq, b.seq) == (1, 2)


@pytest.mark.parametrize(("body", "client_id", "code"), [
    ("", None, "empty"),
    ("   \n ", None, "empty"),
    ("x" * 2001, None, "too_long"),
    (42, None, "invalid"),
    (None, None, "invalid"),
    (["hi"], None, "invalid"),
    ("hi", "not-a-uuid", "invalid"),
    ("hi", 12, "invalid"),
    ("a\x00b", None, "invalid"),  # PostgreSQL stores no NUL
    ("a\ud800b", None, "invalid"),  # a lone surrogate, as json.loads gives it
])
def test_bad_input_is_refused_and_changes_nothing(make_session, member, body, client_id, code, broadcasts):
    session = make_session()
    with pytest.raises(RoomError) as excinfo:
        services.message_send(actor=member, session=session, client_id=client_id or str(uuid.uuid4()), body=body)
    assert _code(excinfo) == code and str(excinfo.value.message)
    assert not ChatMessage.objects.exists() and not RoomEvent.objects.exists() and broadcasts == []
    session.refresh_from_db()
    assert session.last_seq == 0


def test_the_length_limit_is_a_setting(make_session, member, settings):
    settings.FORUM_LIVE_MESSAGE_MAX_CHARS = 5
    session = make_session()
    services.message_send(actor=member, session=session, client_id=str(uuid.uuid4()), body="12345")
    with pytest.raises(RoomError) as excinfo:
        services.message_send(actor=member, session=session, client_id=str(uuid.uuid4()), body="123456")
    assert _code(excinfo) == "too_long"


def test_markup_is_sanitised_and_inline_only(make_session, member):
    session = make_session()
    msg, _ = services.message_send(actor=member, session=session, client_id=str(uuid.uuid4()),
                                   body="# Title <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<script" not in msg.html and "<h1" not in msg.html and "href=\"javascript" not in msg.html
    assert msg.html.startswith("# Title &lt;script&gt;")


@pytest.mark.parametrize(("fields", "code"), [
    ({"state": "scheduled"}, "closed"),
    ({"state": "closed"}, "closed"),
    ({"read_only": True}, "read_only"),
    ({"mode": "qa"}, "chat_off"),
])
def test_the_room_refuses_messages_when_it_does_not_take_them(make_session, member, fields, code):
    session = make_session(**fields)
    with pytest.raises(RoomError) as excinfo:
        services.message_send(actor=member, session=session, client_id=str(uuid.uuid4()), body="Hi")
    assert _code(excinfo) == code and not ChatMessage.objects.exists()


def test_the_locked_row_decides_not_a_stale_copy(make_session, member):
    session = make_session()
    LiveSession.objects.filter(pk=session.pk).update(state="closed")  # closed meanwhile; `session` is stale
    with pytest.raises(RoomError) as excinfo:
        services.message_send(actor=member, session=session, client_id=str(uuid.uuid4()), body="Hi")
    assert _code(excinfo) == "closed"


def test_moderators_speak_in_a_read_only_room(make_session, session_moderator):
    session = make_session(read_only=True)
    moderator = session_moderator(session)
    msg, created = services.message_send(actor=moderator, session=session, client_id=str(uuid.uuid4()), body="Hi")
    assert created


def test_observers_may_not_chat(make_session, make_user):
    from forum.accounts.models import ObserverGrant

    session = make_session()
    observer = make_user(role="observer")
    ObserverGrant.objects.create(user=observer, scope="session", object_id=session.pk)
    with pytest.raises(RoomError) as excinfo:
        services.message_send(actor=observer, session=session, client_id=str(uuid.uuid4()), body="Hi")
    assert _code(excinfo) == "observer"


def test_someone_who_may_not_see_the_session_gets_404(make_session, member, make_organisation):
    session = make_session(audience="organisations", organisations=[make_organisation()])
    with pytest.raises(Http404):
        services.message_send(actor=member, session=session, client_id=str(uuid.uuid4()), body="Hi")


def test_a_muted_participant_is_refused(make_session, member, session_moderator):
    session = make_session()
    services.participant_mute(actor=session_moderator(session), session=session, user=member, minutes=10,
                              reason="Flooding")
    with pytest.raises(RoomError) as excinfo:
        services.message_send(actor=member, session=session, client_id=str(uuid.uuid4()), body="Hi")
    assert _code(excinfo) == "muted"


def test_slow_mode_refuses_with_retry_after_and_exempts_moderators(make_session, member, session_moderator, say):
    session = make_session(slow_mode_seconds=30)
    moderator = session_moderator(session)
    say(session, member)
    with pytest.raises(RoomError) as excinfo:
        say(session, member)
    assert _code(excinfo) == "slow_mode" and 1 <= excinfo.value.retry_after <= 30
    say(session, moderator)
    say(session, moderator)
    ChatMessage.objects.filter(author=member).update(created_at=timezone.now() - timedelta(seconds=31))
    say(session, member)


def test_the_per_person_rate_refuses_with_retry_after(make_session, member, make_user, say, settings):
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "live_message": "2/m"}
    session = make_session()
    say(session, member)
    say(session, member)
    with pytest.raises(RoomError) as excinfo:
        say(session, member)
    assert _code(excinfo) == "rate_limited" and excinfo.value.retry_after == 60
    say(session, make_user())  # per person
    assert ChatMessage.objects.count() == 3


def test_a_cache_outage_is_unavailable_and_stores_nothing(make_session, member, monkeypatch):
    from forum.core import availability, ratelimit

    def down(*args, **kwargs):
        raise availability.TemporarilyUnavailable()

    monkeypatch.setattr(ratelimit, "consume", down)
    session = make_session()
    with pytest.raises(RoomError) as excinfo:
        services.message_send(actor=member, session=session, client_id=str(uuid.uuid4()), body="Hi")
    assert _code(excinfo) == "unavailable" and not ChatMessage.objects.exists()


def test_a_database_outage_is_unavailable(make_session, member, monkeypatch):
    from django.db import OperationalError

    from forum.live.services import room

    def down(session):
        raise OperationalError("connection refused")

    monkeypatch.setattr(room, "_lock", down)
    with pytest.raises(RoomError) as excinfo:
        services.message_send(actor=member, session=make_session(), client_id=str(uuid.uuid4()), body="Hi")
    assert _code(excinfo) == "unavailable"


# --- edit / delete ---------------------------------------------------------------------------------

def test_an_author_edits_their_message(make_session, member, say):
    session = make_session()
    msg = say(session, member, "Helo")
    edited = services.message_edit(actor=member, session=session, message_id=msg.pk, body="Hello")
    assert edited.html == "Hello" and edited.edited_at is not None
    assert [e[1] for e in _events(session)] == ["message", "message_updated"]
    assert _events(session)[1][2] == {"type": "message_updated", "seq": 2, "id": msg.pk, "html": "Hello",
                                      "edited_at": edited.edited_at.isoformat()}


def test_a_message_can_be_edited_only_within_the_edit_window(make_session, member, say, settings):
    from datetime import timedelta

    from django.utils import timezone

    from forum.live.models import ChatMessage

    settings.FORUM_LIVE_EDIT_MINUTES = 15
    session = make_session()
    msg = say(session, member, "Soon stale")
    ChatMessage.objects.filter(pk=msg.pk).update(created_at=timezone.now() - timedelta(minutes=14))
    services.message_edit(actor=member, session=session, message_id=msg.pk, body="Still in time")
    ChatMessage.objects.filter(pk=msg.pk).update(created_at=timezone.now() - timedelta(minutes=15, seconds=1))
    with pytest.raises(RoomError) as excinfo:
        services.message_edit(actor=member, session=session, message_id=msg.pk, body="Too late")
    assert _code(excinfo) == "edit_window" and "15 minutes" in str(excinfo.value.message)
    assert ChatMessage.objects.get(pk=msg.pk).source == "Still in time"
    assert [e[1] for e in _events(session)] == ["message", "message_updated"]


def test_only_the_author_edits(make_session, member, make_user, say, session_moderator):
    session = make_session()
    msg = say(session, member)
    for other in (make_user(), session_moderator(session)):
        with pytest.raises(RoomError) as excinfo:
            services.message_edit(actor=other, session=session, message_id=msg.pk, body="Mine now")
        assert _code(excinfo) == "not_yours"


def test_another_rooms_message_is_not_found(make_session, member, say):
    here, there = make_session(), make_session()
    foreign = say(there, member)
    for call in (lambda: services.message_edit(actor=member, session=here, message_id=foreign.pk, body="x"),
                 lambda: services.message_delete(actor=member, session=here, message_id=foreign.pk),
                 lambda: services.message_edit(actor=member, session=here, message_id=10**9, body="x")):
        with pytest.raises(RoomError) as excinfo:
            call()
        assert _code(excinfo) == "not_found"
    with pytest.raises(RoomError) as excinfo:
        services.message_delete(actor=member, session=here, message_id="1")
    assert _code(excinfo) == "invalid"
    assert RoomEvent.objects.filter(session=here).count() == 0


def test_deleting_tombstones_every_event_that_showed_the_message(make_session, member, say, broadcasts,
                                                                 django_capture_on_commit_callbacks):
    session = make_session()
    msg = say(session, member, "Secret")
    services.message_edit(actor=member, session=session, message_id=msg.pk, body="Still secret")
    other = say(session, member, "Keep")
    with django_capture_on_commit_callbacks(execute=True):
        services.message_delete(actor=member, session=session, message_id=msg.pk)
    replayed = selectors.replay(session=session, after_seq=0)
    assert replayed == [
        {"type": "message_removed", "seq": 1, "id": msg.pk},
        {"type": "message_removed", "seq": 2, "id": msg.pk},
        _events(session)[2][2],
        {"type": "message_removed", "seq": 4, "id": msg.pk, "by": "author"},
    ]
    assert "secret" not in str(replayed).lower() and replayed[2]["id"] == other.pk
    assert broadcasts[-1][1]["type"] == "message_removed"
    assert not AuditEntry.objects.filter(verb="live.message.remove").exists()  # one's own: no moderation


def test_a_moderator_removes_a_message_audited(make_session, member, say, session_moderator, make_user):
    session = make_session()
    msg = say(session, member)
    moderator = session_moderator(session)
    services.message_delete(actor=moderator, session=session, message_id=msg.pk, reason="Insult")
    msg.refresh_from_db()
    assert msg.removed_by == moderator and msg.removed_reason == "Insult"
    assert _events(session)[-1][2]["by"] == "moderator"
    entry = AuditEntry.objects.get(verb="live.message.remove")
    assert entry.actor == moderator and entry.reason == "Insult" and entry.target_id == str(msg.pk)
    with pytest.raises(RoomError) as excinfo:  # twice: it is gone
        services.message_delete(actor=moderator, session=session, message_id=msg.pk)
    assert _code(excinfo) == "not_found"
    with pytest.raises(RoomError) as excinfo:
        services.message_delete(actor=make_user(), session=session, message_id=say(session, member).pk)
    assert _code(excinfo) == "not_yours"


# --- questions -------------------------------------------------------------------------------------

def test_a_question_is_numbered_and_shown(make_session, member, broadcasts, django_capture_on_commit_callbacks):
    session = make_session()
    with django_capture_on_commit_callbacks(execute=True):
        q, created = services.question_ask(actor=member, session=session, client_id=str(uuid.uuid4()),
                                           body="Why?")
    assert created and q.seq == 1 and q.state == "open"
    [(seq, kind, payload)] = _events(session)
    assert kind == "question" and payload["seq"] == 1 and payload["votes"] == 0 and payload["html"] == "Why?"
    assert set(payload) == {"type", "seq", "id", "author", "html", "votes", "state", "pinned", "asked_at",
                            "merged_into"}
    assert broadcasts == [(f"live.room.{session.pk}", payload)]


def test_a_repeated_question_client_id_returns_the_stored_one(make_session, member):
    session = make_session()
    client_id = str(uuid.uuid4())
    a, _ = services.question_ask(actor=member, session=session, client_id=client_id, body="Why?")
    b, created = services.question_ask(actor=member, session=session, client_id=client_id, body="Why?")
    assert a.pk == b.pk and not created and RoomEvent.objects.count() == 1


def test_a_held_question_has_no_number_until_approved(make_session, member, session_moderator, broadcasts,
                                                      django_capture_on_commit_callbacks):
    session = make_session(questions_held=True)
    moderator = session_moderator(session)
    with django_capture_on_commit_callbacks(execute=True):
        q, created = services.question_ask(actor=member, session=session, client_id=str(uuid.uuid4()),
                                           body="Held?")
    assert created and q.seq is None and q.state == "held"
    assert not RoomEvent.objects.exists()
    room = [b for b in broadcasts if b[0].startswith("live.")]
    assert room == [(f"live.room.{session.pk}.mods", {
        "type": "question_held", "id": q.pk, "author": room[0][1]["author"], "html": "Held?",
        "asked_at": q.created_at.isoformat()})]
    # It is also in the review queue: the session's moderator's count goes up on their open pages.
    assert (f"user.{moderator.pk}", {"type": "moderation.queue", "count": 1}) in broadcasts
    with pytest.raises(RoomError):  # not votable while held
        services.question_vote(actor=moderator, session=session, question_id=q.pk)
    with django_capture_on_commit_callbacks(execute=True):
        approved = services.question_approve(actor=moderator, session=session, question_id=q.pk)
    assert approved.seq == 1 and approved.state == "open"
    [(seq, kind, payload)] = _events(session)
    room = [b for b in broadcasts if b[0].startswith("live.")]
    assert kind == "question" and payload["id"] == q.pk and room[-1] == (f"live.room.{session.pk}", payload)
    assert AuditEntry.objects.filter(verb="live.question.approve", actor=moderator).exists()
    # Approved in the room: it leaves the review queue too.
    assert broadcasts[-1] == (f"user.{moderator.pk}", {"type": "moderation.queue", "count": 0})


@pytest.mark.parametrize(("fields", "code"), [
    ({"mode": "chat"}, "questions_off"), ({"state": "closed"}, "closed"), ({"read_only": True}, "read_only"),
])
def test_questions_are_refused_when_the_room_takes_none(make_session, member, fields, code):
    with pytest.raises(RoomError) as excinfo:
        services.question_ask(actor=member, session=make_session(**fields), client_id=str(uuid.uuid4()), body="?")
    assert _code(excinfo) == code


def test_question_length_and_rate(make_session, member, settings):
    session = make_session()
    with pytest.raises(RoomError) as excinfo:
        services.question_ask(actor=member, session=session, client_id=str(uuid.uuid4()), body="x" * 501)
    assert _code(excinfo) == "too_long"
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "live_question": "1/m"}
    services.question_ask(actor=member, session=session, client_id=str(uuid.uuid4()), body="One?")
    with pytest.raises(RoomError) as excinfo:
        services.question_ask(actor=member, session=session, client_id=str(uuid.uuid4()), body="Two?")
    assert _code(excinfo) == "rate_limited" and excinfo.value.retry_after == 60


def test_observers_with_a_grant_ask_and_vote(make_session, make_user, member, ask):
    from forum.accounts.models import ObserverGrant

    session = make_session()
    observer = make_user(role="observer")
    ObserverGrant.objects.create(user=observer, scope="session", object_id=session.pk)
    q = ask(session, observer)
    assert q.seq == 1
    services.question_vote(actor=observer, session=session, question_id=ask(session, member).pk)


def test_one_vote_per_person(make_session, member, make_user, ask):
    session = make_session()
    q = ask(session, make_user())
    voted = services.question_vote(actor=member, session=session, question_id=q.pk)
    assert voted.votes == 1
    with pytest.raises(RoomError) as excinfo:
        services.question_vote(actor=member, session=session, question_id=q.pk)
    assert _code(excinfo) == "already_voted"
    assert QuestionVote.objects.count() == 1
    assert _events(session)[-1][2] == {"type": "question_updated", "seq": 2, "id": q.pk, "votes": 1,
                                       "state": "open", "pinned": False, "merged_into": None}
    unvoted = services.question_unvote(actor=member, session=session, question_id=q.pk)
    assert unvoted.votes == 0
    with pytest.raises(RoomError) as excinfo:
        services.question_unvote(actor=member, session=session, question_id=q.pk)
    assert _code(excinfo) == "invalid"


def test_votes_on_another_rooms_question_are_not_found(make_session, member, ask):
    here, there = make_session(), make_session()
    foreign = ask(there, member)
    for question_id in (foreign.pk, 10**9):
        with pytest.raises(RoomError) as excinfo:
            services.question_vote(actor=member, session=here, question_id=question_id)
        assert _code(excinfo) == "not_found"
    for bad in ("1", None, True, -1, 1.5):
        with pytest.raises(RoomError) as excinfo:
            services.question_vote(actor=member, session=here, question_id=bad)
        assert _code(excinfo) == "invalid"


def test_moderators_answer_pin_and_hide(make_session, member, ask, session_moderator):
    session = make_session()
    moderator = session_moderator(session)
    q = ask(session, member, "Secret question?")
    services.question_pin(actor=moderator, session=session, question_id=q.pk, pinned=True)
    answered = services.question_answer(actor=moderator, session=session, question_id=q.pk)
    assert answered.state == "answered" and answered.pinned and answered.answered_at
    services.question_hide(actor=moderator, session=session, question_id=q.pk, reason="Off topic")
    q.refresh_from_db()
    assert q.state == "hidden"
    replayed = selectors.replay(session=session, after_seq=0)
    assert [f["type"] for f in replayed] == ["question_removed"] * 4
    assert [f["seq"] for f in replayed] == [1, 2, 3, 4]
    assert "Secret" not in str(replayed)
    verbs = set(AuditEntry.objects.filter(actor=moderator).values_list("verb", flat=True))
    assert {"live.question.pin", "live.question.answer", "live.question.hide"} <= verbs


def test_members_cannot_moderate_questions(make_session, member, ask):
    session = make_session()
    q = ask(session, member)
    for call in (services.question_answer, services.question_pin, services.question_hide, services.question_approve):
        with pytest.raises(RoomError) as excinfo:
            call(actor=member, session=session, question_id=q.pk)
        assert _code(excinfo) == "forbidden"


def test_merge_moves_the_votes(make_session, make_user, ask, session_moderator):
    session = make_session()
    moderator = session_moderator(session)
    a, b, c = make_user(), make_user(), make_user()
    original, duplicate = ask(session, a, "Budget?"), ask(session, b, "The budget?")
    services.question_vote(actor=c, session=session, question_id=duplicate.pk)
    services.question_vote(actor=c, session=session, question_id=original.pk)
    merged = services.question_merge(actor=moderator, session=session, question_id=duplicate.pk,
                                     into_id=original.pk)
    original.refresh_from_db()
    assert merged.merged_into_id == original.pk and original.votes == 2  # c once, b (the duplicate's author)
    last_two = [p for _s, _k, p in _events(session)[-2:]]
    assert [(p["id"], p["merged_into"]) for p in last_two] == [(duplicate.pk, original.pk), (original.pk, None)]
    with pytest.raises(RoomError) as excinfo:
        services.question_merge(actor=moderator, session=session, question_id=original.pk, into_id=original.pk)
    assert _code(excinfo) == "invalid"


# --- the room --------------------------------------------------------------------------------------

def test_slow_mode_is_an_event_and_audited(make_session, session_moderator):
    session = make_session()
    moderator = session_moderator(session)
    services.slow_mode_set(actor=moderator, session=session, seconds=30, reason="Heated")
    assert _events(session)[-1][2] == {"type": "slow_mode", "seq": 1, "seconds": 30, "reason": "Heated",
                                       "set_by": moderator.public_name}
    assert AuditEntry.objects.get(verb="live.slow_mode.set").reason == "Heated"
    for bad in (-1, 3601, "30", None, True):
        with pytest.raises(RoomError) as excinfo:
            services.slow_mode_set(actor=moderator, session=session, seconds=bad, reason="")
        assert _code(excinfo) == "invalid"
    services.slow_mode_set(actor=moderator, session=session, seconds=0, reason="")
    assert _events(session)[-1][2]["set_by"] is None


def test_read_only_open_and_close_are_room_state_events(make_session, session_moderator):
    session = make_session(state="scheduled")
    moderator = session_moderator(session)
    services.session_open(actor=moderator, session=session)
    services.read_only_set(actor=moderator, session=session, read_only=True, reason="Break")
    services.read_only_set(actor=moderator, session=session, read_only=True)  # no change: no event
    services.session_close(actor=moderator, session=session)
    assert [p for _s, _k, p in _events(session)] == [
        {"type": "room_state", "seq": 1, "state": "open", "read_only": False,
         "mode": "both", "questions_held": False},
        {"type": "room_state", "seq": 2, "state": "open", "read_only": True,
         "mode": "both", "questions_held": False},
        {"type": "room_state", "seq": 3, "state": "closed", "read_only": True,
         "mode": "both", "questions_held": False},
    ]
    with pytest.raises(RoomError) as excinfo:
        services.session_open(actor=moderator, session=session)
    assert _code(excinfo) == "closed"
    assert {"live.session.open", "live.session.read_only", "live.session.close"} <= set(
        AuditEntry.objects.values_list("verb", flat=True))


def test_mute_and_remove_go_through_accounts_restrictions(make_session, member, session_moderator):
    from forum.accounts import permissions as accounts
    from forum.accounts.models import Restriction

    session = make_session()
    moderator = session_moderator(session)
    mute = services.participant_mute(actor=moderator, session=session, user=member, minutes=5, reason="Spam")
    assert (mute.kind, mute.scope, mute.object_id) == ("mute", "session", session.pk)
    assert timedelta(minutes=4) < mute.ends_at - timezone.now() <= timedelta(minutes=5)
    assert AuditEntry.objects.filter(verb="restriction.create", actor=moderator, reason="Spam").exists()
    removal = services.participant_remove(actor=moderator, session=session, user=member, reason="Threats")
    assert (removal.kind, removal.ends_at) == ("suspension", None)
    accounts.forget(member)
    from forum.live import permissions

    assert not permissions.can_view_session(member, session)
    assert Restriction.objects.filter(user=member).count() == 2
    for bad in ({"minutes": 0}, {"minutes": "5"}, {"reason": ""}):
        with pytest.raises(RoomError):
            services.participant_mute(actor=moderator, session=session, user=member,
                                      **{"minutes": 5, "reason": "x", **bad})
    with pytest.raises(RoomError) as excinfo:  # not another moderator of the room
        services.participant_mute(actor=moderator, session=session, user=session_moderator(session), minutes=5,
                                  reason="x")
    assert _code(excinfo) == "forbidden"
    assert Question.objects.count() == 0 and Restriction.objects.filter(user=member).count() == 2


def test_replay_after_an_edit_never_sends_the_earlier_text(make_session, member, say):
    session = make_session()
    msg = say(session, member, "My phone number is secret-zyx")
    services.message_edit(actor=member, session=session, message_id=msg.pk, body="Call me")
    services.message_edit(actor=member, session=session, message_id=msg.pk, body="Write to me")
    replayed = selectors.replay(session=session, after_seq=0)
    assert [f["type"] for f in replayed] == ["message", "message_updated", "message_updated"]
    assert {f["html"] for f in replayed} == {"Write to me"} and "zyx" not in str(replayed)
    assert replayed[0]["seq"] == 1 and replayed[0]["client_id"] == str(msg.client_id)


def test_a_merged_question_takes_no_more_votes(make_session, make_user, ask, session_moderator):
    session = make_session()
    moderator = session_moderator(session)
    original, duplicate = ask(session, make_user()), ask(session, make_user())
    services.question_merge(actor=moderator, session=session, question_id=duplicate.pk, into_id=original.pk)
    with pytest.raises(RoomError) as excinfo:
        services.question_vote(actor=make_user(), session=session, question_id=duplicate.pk)
    assert _code(excinfo) == "invalid"


def test_a_moderator_lifts_a_mute_in_the_room(make_session, member, session_moderator):
    from forum.accounts import permissions as accounts
    from forum.accounts.models import Restriction

    session, elsewhere = make_session(), make_session()
    moderator = session_moderator(session)
    services.participant_mute(actor=moderator, session=session, user=member, minutes=5, reason="Spam")
    Restriction.objects.create(user=member, kind="mute", scope="session", object_id=elsewhere.pk, reason="x")
    assert services.participant_restore(actor=moderator, session=session, user=member, reason="Apologised") == 1
    accounts.forget(member)
    services.message_send(actor=member, session=session, client_id=str(uuid.uuid4()), body="Sorry")
    assert AuditEntry.objects.filter(verb="restriction.lift", actor=moderator, reason="Apologised").exists()
    assert Restriction.objects.get(object_id=elsewhere.pk).lifted_at is None
    with pytest.raises(RoomError) as excinfo:
        services.participant_restore(actor=member, session=session, user=member)
    assert _code(excinfo) == "forbidden"


def test_a_mute_holds_from_the_next_action_even_on_a_long_lived_user_object(make_session, member, say,
                                                                            session_moderator):
    from forum.accounts.models import Restriction

    session = make_session()
    say(session, member)  # the socket's user object now caches its facts
    Restriction.objects.create(user=member, kind="mute", scope="session", object_id=session.pk, reason="x")
    with pytest.raises(RoomError) as excinfo:
        say(session, member)
    assert _code(excinfo) == "muted"


@pytest.mark.parametrize("earlier", [1, 10])
def test_sending_costs_the_same_queries_however_full_the_room(make_session, make_user, say, earlier,
                                                              django_assert_num_queries):
    session = make_session()
    for _ in range(earlier):
        say(session, make_user())
    author = make_user()
    say(session, author)
    # As on a socket (one user object for many sends): savepoint; the lock; the author's sanctions
    # (read afresh for every write); the client_id look-up; insert the message; insert the event;
    # update last_seq; release. Appointments and membership stay cached on the user object.
    with django_assert_num_queries(8):
        say(session, author)


_json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
                            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                         max_size=3),
                            max_leaves=6)


@hypothesis_settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_json_values | st.text(max_size=2100))
def test_any_body_is_stored_or_refused_with_a_code_and_nothing_else(make_session, member, body):
    session = make_session()
    before = RoomEvent.objects.count()
    try:
        msg, created = services.message_send(actor=member, session=session, client_id=str(uuid.uuid4()), body=body)
    except RoomError as exc:
        assert exc.code in {"invalid", "empty", "too_long"}
        assert exc.code != "invalid" or not isinstance(body, str) or "\x00" in body
        assert RoomEvent.objects.count() == before
    else:
        assert created and isinstance(body, str) and 0 < len(body.strip()) <= 2000
        assert RoomEvent.objects.count() == before + 1 and msg.source == body.strip()


def test_sending_in_a_room_for_chosen_organisations_asks_once_whether_one_is_chosen(
        make_session, member, say, django_assert_num_queries):
    session = make_session(audience="organisations", organisations=[member.memberships.get().organisation])
    say(session, member)
    # As on a socket: the same as in a room for all members (whether the member's organisation is
    # chosen is cached on the user object with the membership).
    with django_assert_num_queries(8):
        say(session, member)
    # As an HTTP request (the user loaded afresh): plus the appointments, the membership (read for
    # the check, reused for the frame) and once whether the organisation is chosen.
    fresh = type(member).objects.get(pk=member.pk)
    with django_assert_num_queries(11):
        say(session, fresh)
