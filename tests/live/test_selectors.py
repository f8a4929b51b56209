"""Replay after a reconnect and the history a room page shows."""

from __future__ import annotations

import pytest

from forum.live import selectors, services

pytestmark = pytest.mark.django_db


def test_replay_sends_what_came_after_in_order(make_session, member, say):
    session = make_session()
    msgs = [say(session, member, f"m{i}") for i in range(5)]
    replayed = selectors.replay(session=session, after_seq=2)
    assert [f["seq"] for f in replayed] == [3, 4, 5]
    assert [f["id"] for f in replayed] == [m.pk for m in msgs[2:]]
    assert selectors.replay(session=session, after_seq=5) == []
    assert selectors.replay(session=session, after_seq=99) == []


def test_a_fresh_client_gets_no_replay(make_session, member, say):
    session = make_session()
    say(session, member)
    assert selectors.replay(session=session, after_seq=None) == []


def test_too_far_behind_is_none_so_the_client_resyncs(make_session, member, say, settings):
    settings.FORUM_LIVE_REPLAY_MAX = 3
    session = make_session()
    for _ in range(5):
        say(session, member)
    assert selectors.replay(session=session, after_seq=1) is None  # 4 missing > 3
    assert [f["seq"] for f in selectors.replay(session=session, after_seq=2)] == [3, 4, 5]
    assert selectors.replay(session=session, after_seq=0, limit=10) is not None


def test_replay_is_one_query(make_session, member, say, django_assert_num_queries):
    session = make_session()
    for _ in range(20):
        say(session, member)
    with django_assert_num_queries(1):
        assert len(selectors.replay(session=session, after_seq=0)) == 20


@pytest.mark.parametrize("bad", [-1, "3", 1.5, True])
def test_replay_refuses_a_bad_after_seq(make_session, bad):
    with pytest.raises(ValueError):
        selectors.replay(session=make_session(), after_seq=bad)


def test_replay_of_another_room_sends_nothing_of_this_one(make_session, member, say):
    here, there = make_session(), make_session()
    say(there, member, "elsewhere")
    assert selectors.replay(session=here, after_seq=0) == []


def _fill(session, make_user, say, ask, n):
    people = [make_user(role="member") for _ in range(n)]
    for person in people:
        say(session, person)
        q = ask(session, person)
        services.question_vote(actor=people[0], session=session, question_id=q.pk)


def test_history_shows_the_room_without_removed_things(make_session, member, make_user, say, ask,
                                                       session_moderator):
    session = make_session()
    moderator = session_moderator(session)
    kept, removed = say(session, member, "kept"), say(session, member, "removed")
    services.message_delete(actor=member, session=session, message_id=removed.pk)
    q, hidden = ask(session, member, "Visible?"), ask(session, member, "Hidden?")
    services.question_hide(actor=moderator, session=session, question_id=hidden.pk)
    services.question_vote(actor=member, session=session, question_id=q.pk)
    state = selectors.history(session=session, user=member)
    session.refresh_from_db()
    assert state["seq"] == session.last_seq
    assert [m["id"] for m in state["messages"]] == [kept.pk]
    assert [(x["id"], x["voted"], x["votes"]) for x in state["questions"]] == [(q.pk, True, 1)]
    assert state["messages"][0]["author"]["organisation"] == member.memberships.get().organisation.name


def test_held_questions_are_listed_for_moderators_only(make_session, member, ask, session_moderator):
    session = make_session(questions_held=True)
    moderator = session_moderator(session)
    held = ask(session, member)
    assert selectors.history(session=session, user=member)["questions"] == []
    assert [x["id"] for x in selectors.history(session=session, user=moderator)["questions"]] == [held.pk]


def test_history_pages_back_by_seq(make_session, member, say):
    session = make_session()
    msgs = [say(session, member) for _ in range(6)]
    page = selectors.history(session=session, user=member, limit=2)
    assert [m["id"] for m in page["messages"]] == [m.pk for m in msgs[-2:]]
    older = selectors.history(session=session, user=member, before_seq=msgs[-2].seq, limit=2)
    assert [m["id"] for m in older["messages"]] == [m.pk for m in msgs[2:4]]


@pytest.mark.parametrize("n", [2, 8])
def test_history_query_count_is_constant(make_session, make_user, say, ask, n, django_assert_num_queries):
    session = make_session()
    _fill(session, make_user, say, ask, n)
    reader = make_user(role="member")
    # last_seq; messages + their authors' memberships; questions + memberships; the reader's votes;
    # whether the reader moderates (their restrictions, their appointments in the session).
    with django_assert_num_queries(8):
        state = selectors.history(session=session, user=reader)
    assert len(state["messages"]) == n and len(state["questions"]) == n


def test_a_room_is_got_only_by_who_may_see_it(make_session, member, make_organisation):
    from django.http import Http404

    open_to_all = make_session()
    assert selectors.room_get_for_participant(session_id=open_to_all.pk, user=member) == open_to_all
    assert selectors.room_get_for_participant(session_id=str(open_to_all.pk), user=member) == open_to_all
    hidden = make_session(audience="organisations", organisations=[make_organisation()])
    for session_id in (hidden.pk, 10**9, "x", "-1", None, True):
        with pytest.raises(Http404):
            selectors.room_get_for_participant(session_id=session_id, user=member)
