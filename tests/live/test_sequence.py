"""Sequence numbers: per room, monotonic, without gaps, also when many people write at once
(real PostgreSQL, several threads, each with its own connection)."""

from __future__ import annotations

import threading
import uuid

import pytest

from forum.live import selectors, services
from forum.live.errors import RoomError
from forum.live.models import ChatMessage, LiveSession, Question, RoomEvent


def _run_together(actions) -> list[BaseException]:
    from django.db import connections

    barrier = threading.Barrier(len(actions))
    failures: list[BaseException] = []

    def run(action):
        try:
            barrier.wait()
            action()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(action,)) for action in actions]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not any(worker.is_alive() for worker in workers), "a writer hung"
    return failures


def _require_postgresql():
    from django.db import connection

    from tests.conftest import require_service

    require_service(connection.vendor == "postgresql", "PostgreSQL")


def test_numbers_follow_each_other_in_one_room_and_start_again_in_another(make_session, member, say, ask):
    a, b = make_session(), make_session()
    say(a, member)
    ask(a, member)
    say(b, member)
    say(a, member)
    assert list(RoomEvent.objects.filter(session=a).values_list("seq", flat=True)) == [1, 2, 3]
    assert list(RoomEvent.objects.filter(session=b).values_list("seq", flat=True)) == [1]
    assert LiveSession.objects.get(pk=a.pk).last_seq == 3


def test_a_refused_write_takes_no_number(make_session, member, say):
    session = make_session()
    say(session, member)
    with pytest.raises(RoomError):
        say(session, member, "x" * 5000)
    say(session, member)
    assert list(RoomEvent.objects.filter(session=session).values_list("seq", flat=True)) == [1, 2]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_many_writers_at_once_get_gapless_unique_numbers(make_session, make_user):
    _require_postgresql()
    session = make_session()
    people = [make_user(role="member") for _ in range(6)]
    question = services.question_ask(actor=people[0], session=session, client_id=str(uuid.uuid4()),
                                     body="Shared?")[0]

    def writer(person, n):
        def write():
            for i in range(8):
                services.message_send(actor=person, session=session, client_id=str(uuid.uuid4()), body=f"{n}.{i}")
            services.question_ask(actor=person, session=session, client_id=str(uuid.uuid4()), body=f"Q{n}?")
            if person != people[0]:
                services.question_vote(actor=person, session=session, question_id=question.pk)
        return write

    failures = _run_together([writer(person, n) for n, person in enumerate(people)])
    assert failures == []
    seqs = list(RoomEvent.objects.filter(session=session).order_by("seq").values_list("seq", flat=True))
    expected = 1 + 6 * 8 + 6 + 5
    assert seqs == list(range(1, expected + 1))
    assert LiveSession.objects.get(pk=session.pk).last_seq == expected
    message_seqs = sorted(ChatMessage.objects.filter(session=session).values_list("seq", flat=True))
    assert len(message_seqs) == 48 and set(message_seqs) <= set(seqs)
    assert Question.objects.get(pk=question.pk).votes == 5
    replayed = selectors.replay(session=session, after_seq=0)
    assert [f["seq"] for f in replayed] == seqs
    # Each person's messages keep their order.
    for person in people:
        bodies = list(ChatMessage.objects.filter(author=person).order_by("seq").values_list("source", flat=True))
        assert bodies == sorted(bodies, key=lambda s: int(s.split(".")[1]))


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_same_send_twice_at_once_is_stored_once(make_session, member):
    _require_postgresql()
    session = make_session()
    client_id = str(uuid.uuid4())
    results = []

    def send():
        results.append(services.message_send(actor=member, session=session, client_id=client_id, body="Once"))

    assert _run_together([send, send, send]) == []
    assert ChatMessage.objects.filter(session=session).count() == 1
    assert sorted(created for _msg, created in results) == [False, False, True]
    assert len({msg.pk for msg, _created in results}) == 1
    assert list(RoomEvent.objects.filter(session=session).values_list("seq", flat=True)) == [1]
