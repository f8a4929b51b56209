"""Pre-moderation and watched words in live rooms, on the queue's one adapter per kind and one
session scope (forum.moderation.items MessageItems / QuestionItems, permissions.visible_items):
a held question is a `question` item approved through live's own `question_approve`, it leaves the
queue when decided in the room, and a watched word's "flag" puts a chat message in the queue."""

from __future__ import annotations

import uuid

import pytest

from forum.live import services as live
from forum.live.models import ChatMessage, Question, RoomEvent
from forum.moderation import permissions, services
from forum.moderation.models import ReviewItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def word(make_user, give_mfa):
    admin = give_mfa(make_user(role="admin"))

    def add(text, action="flag"):
        return services.word_save(actor=admin, text=text, kind="word", action=action)

    return add


def _ask(session, user, body="Held?"):
    question, _created = live.question_ask(actor=user, session=session, client_id=str(uuid.uuid4()), body=body)
    return question


def test_a_held_question_is_one_item_in_the_sessions_scope_and_approval_publishes_it_in_the_room(
        make_session, session_moderator, make_user, make_category, give_mfa):
    session = make_session(questions_held=True)
    staff = session_moderator(session)
    category_moderator = give_mfa(make_user(role="member"))
    make_category(moderators=[category_moderator])
    question = _ask(session, make_user(role="member"))
    assert question.state == Question.State.HELD
    [item] = ReviewItem.objects.filter(kind="question", object_id=question.pk)  # one item, one adapter
    assert item.held and item.reasons == ["premoderation"] and item.session_id == session.pk
    assert item.category_id is None
    assert permissions.visible_items(staff).filter(pk=item.pk).exists()
    assert not permissions.visible_items(category_moderator).filter(pk=item.pk).exists()

    services.item_approve(actor=staff, item=item)

    question.refresh_from_db()
    item.refresh_from_db()
    assert question.state == Question.State.OPEN and question.seq is not None
    assert RoomEvent.objects.filter(session=session, kind="question", ref_id=question.pk).exists()
    assert item.state == ReviewItem.State.APPROVED and not item.held


def test_a_held_question_decided_in_the_room_leaves_the_queue(make_session, session_moderator, make_user):
    session = make_session(questions_held=True)
    staff = session_moderator(session)
    approved, hidden = _ask(session, make_user(role="member")), _ask(session, make_user(role="member"))

    live.question_approve(actor=staff, session=session, question_id=approved.pk)
    live.question_hide(actor=staff, session=session, question_id=hidden.pk, reason="Off topic")

    states = dict(ReviewItem.objects.filter(kind="question").values_list("object_id", "state"))
    assert states == {approved.pk: ReviewItem.State.APPROVED, hidden.pk: ReviewItem.State.ACTIONED}


def test_a_flag_word_in_a_chat_message_publishes_it_and_puts_it_in_the_queue_as_a_message(
        word, make_session, session_moderator, make_user, say):
    word("gossip", "flag")
    session = make_session()
    staff = session_moderator(session)
    msg = say(session, make_user(role="member"), body="some gossip here")
    msg = ChatMessage.objects.get(pk=msg.pk)
    assert msg.hidden_at is None and msg.seq is not None  # published: reported, not withheld
    item = ReviewItem.objects.get(kind="message", object_id=msg.pk)
    assert item.reasons == ["watched_word"] and not item.held and item.session_id == session.pk
    assert permissions.visible_items(staff).filter(pk=item.pk).exists()


def test_the_rooms_moderators_are_not_reported_by_words(word, make_session, session_moderator, say):
    word("gossip", "flag")
    session = make_session()
    staff = session_moderator(session)
    say(session, staff, body="some gossip here")
    assert not ReviewItem.objects.exists()
