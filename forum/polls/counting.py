"""Counting a poll's ballots: plain counts for single and multiple choice, instant runoff for ranked
choice. Pure functions over (ballot id, option id, rank) rows: no queries, no names.

Instant runoff: each round counts every ballot for its highest-ranked option still in the race. An
option with more than half of the ballots still counting wins. Otherwise the option with the fewest
votes is eliminated and its ballots pass to their next choice; a ballot with no choice left is
"exhausted" and stops counting. Ties for last place are broken by fewer first preferences, then by
the option's place in the poll (the later one goes): written down so the count can be redone by hand.
When every option still in the race has the same count, the count ends in a tie.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class Round:
    number: int
    counts: dict[int, int]  # option id -> ballots counted for it this round (options still in the race)
    exhausted: int  # ballots with no option left in the race
    eliminated: list[int] = field(default_factory=list)  # option ids leaving the race after this round
    winner: int | None = None


@dataclass
class RankedResult:
    rounds: list[Round]
    winner: int | None  # None: no ballots, or a tie
    tie: list[int] = field(default_factory=list)


def ballots_from_rows(rows) -> dict[int, list[int]]:
    """{ballot id: [option ids, first choice first]} from (ballot id, option id, rank) rows."""
    ranked: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for ballot_id, option_id, rank in rows:
        ranked[ballot_id].append((rank, option_id))
    return {ballot: [option for _, option in sorted(choices)] for ballot, choices in ranked.items()}


def plain_counts(rows, option_ids) -> dict[int, int]:
    """Single and multiple choice: how many ballots chose each option (every option listed, 0 too)."""
    counts = dict.fromkeys(option_ids, 0)
    for _ballot, option_id, _rank in rows:
        if option_id in counts:
            counts[option_id] += 1
    return counts


def instant_runoff(ballots: dict[int, list[int]], option_ids: list[int]) -> RankedResult:
    """Count ranked ballots by instant runoff; `option_ids` in the poll's order (for tie-breaks)."""
    order = {option: index for index, option in enumerate(option_ids)}
    lists = [[o for o in choices if o in order] for choices in ballots.values()]
    lists = [choices for choices in lists if choices]
    firsts = dict.fromkeys(option_ids, 0)
    for choices in lists:
        firsts[choices[0]] += 1
    continuing = list(option_ids)
    rounds: list[Round] = []
    if not lists:
        return RankedResult(rounds=[], winner=None)
    while continuing:
        counts = dict.fromkeys(continuing, 0)
        exhausted = 0
        for choices in lists:
            top = next((o for o in choices if o in counts), None)
            if top is None:
                exhausted += 1
            else:
                counts[top] += 1
        current = Round(number=len(rounds) + 1, counts=counts, exhausted=exhausted)
        rounds.append(current)
        active = sum(counts.values())
        leader = max(continuing, key=lambda o: (counts[o], -order[o]))
        if active and counts[leader] * 2 > active:
            current.winner = leader
            return RankedResult(rounds=rounds, winner=leader)
        if len(continuing) == 1 or len(set(counts.values())) == 1:
            if len(continuing) == 1 and active:
                current.winner = continuing[0]
                return RankedResult(rounds=rounds, winner=continuing[0])
            return RankedResult(rounds=rounds, winner=None, tie=list(continuing))
        loser = min(continuing, key=lambda o: (counts[o], firsts[o], -order[o]))
        current.eliminated = [loser]
        continuing.remove(loser)
    return RankedResult(rounds=rounds, winner=None)  # pragma: no cover (the loop always returns)
