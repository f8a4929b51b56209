"""Instant runoff and plain counts (forum/polls/counting.py), by hand-checkable examples."""

from hypothesis import given
from hypothesis import strategies as st

from forum.polls import counting

A, B, C, D = 1, 2, 3, 4


def _ballots(*lists):
    return {i: list(choices) for i, choices in enumerate(lists, start=1)}


def test_a_majority_of_first_choices_wins_in_the_first_round():
    result = counting.instant_runoff(_ballots([A, B], [A], [B, A]), [A, B, C])
    assert result.winner == A
    assert len(result.rounds) == 1
    assert result.rounds[0].counts == {A: 2, B: 1, C: 0}


def test_the_last_option_is_eliminated_and_its_ballots_move_on():
    # A 4, B 3, C 2 first choices: C goes, its two ballots prefer B: B wins 5 to 4.
    ballots = _ballots(*([[A]] * 4 + [[B]] * 3 + [[C, B]] * 2))
    result = counting.instant_runoff(ballots, [A, B, C])
    assert [r.counts for r in result.rounds] == [{A: 4, B: 3, C: 2}, {A: 4, B: 5}]
    assert result.rounds[0].eliminated == [C]
    assert result.winner == B and result.rounds[1].winner == B


def test_exhausted_ballots_stop_counting_and_are_reported():
    ballots = _ballots([A], [A], [B], [B], [C])  # C's voter ranked nobody else
    result = counting.instant_runoff(ballots, [A, B, C])
    assert result.rounds[0].eliminated == [C]
    assert result.rounds[1].exhausted == 1
    assert result.tie == [A, B] and result.winner is None


def test_ties_for_last_place_go_by_first_preferences_then_by_the_later_option():
    # Round 1: A 3, B 2, C 2 (B and C tied last, same first preferences): C, the later option, goes.
    ballots = _ballots([A], [A], [A], [B, C], [B], [C, B], [C, B])
    result = counting.instant_runoff(ballots, [A, B, C])
    assert result.rounds[0].eliminated == [C]
    assert result.winner == B  # B 4, A 3


def test_no_ballots_no_rounds():
    result = counting.instant_runoff({}, [A, B])
    assert result.rounds == [] and result.winner is None


def test_unknown_options_on_a_ballot_are_ignored_by_the_count():
    result = counting.instant_runoff(_ballots([99, A]), [A, B])
    assert result.winner == A


def test_plain_counts_list_every_option():
    rows = [(1, A, 1), (1, B, 2), (2, A, 1)]
    assert counting.plain_counts(rows, [A, B, C]) == {A: 2, B: 1, C: 0}


def test_ballots_from_rows_orders_by_rank():
    assert counting.ballots_from_rows([(1, B, 2), (1, A, 1), (2, C, 1)]) == {1: [A, B], 2: [C]}


@given(st.lists(st.permutations([A, B, C, D]).map(lambda p: p[: 1 + p[0] % 4]), max_size=40))
def test_the_count_always_ends_and_no_ballot_is_lost(lists):
    ballots = _ballots(*lists)
    result = counting.instant_runoff(ballots, [A, B, C, D])
    for r in result.rounds:
        assert sum(r.counts.values()) + r.exhausted == len(lists)
    if result.winner is not None:
        last = result.rounds[-1]
        assert last.counts[result.winner] * 2 > sum(last.counts.values()) or len(last.counts) == 1
    assert len(result.rounds) <= 4
