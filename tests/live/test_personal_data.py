"""A member's live-room data: in the download, and gone or anonymised when the account is deleted."""

from __future__ import annotations

import pytest

from forum.accounts import services as accounts_services
from forum.live import selectors, services
from forum.live.models import ChatMessage, Question, QuestionVote

pytestmark = pytest.mark.django_db


def test_the_download_has_messages_questions_and_votes(make_session, member, make_user, say, ask):
    session = make_session()
    say(session, member, "Hello room")
    q = ask(session, make_user())
    services.question_vote(actor=member, session=session, question_id=q.pk)
    mine = ask(session, member, "Mine?")
    data = accounts_services.personal_data_export(user=member, actor=member)["data"]["live.authored"]
    assert [m["text"] for m in data["messages"]] == ["Hello room"]
    assert [x["id"] for x in data["questions"]] == [mine.pk]
    assert [v["question"] for v in data["votes"]] == [q.pk]


def test_deleting_the_account_keeps_the_words_but_not_the_name(make_session, member, make_user, say, ask):
    session = make_session()
    name = member.public_name
    organisation = member.memberships.get().organisation.name
    say(session, member, "Kept words")
    ask(session, member, "Kept question?")
    other = ask(session, make_user())
    services.question_vote(actor=member, session=session, question_id=other.pk)
    accounts_services.account_delete(user=member, actor=member)
    replayed = selectors.replay(session=session, after_seq=0)
    assert name not in str(replayed) and organisation not in str(replayed)
    assert "Kept words" in str(replayed)
    assert ChatMessage.objects.filter(author=member).exists() and Question.objects.filter(author=member).exists()
    assert not QuestionVote.objects.filter(user=member).exists()
    assert Question.objects.get(pk=other.pk).votes == 0
