"""What a thread page shows of its poll, for one reader: the options, the reader's ballot (or their
organisation's), whether they may vote and why not, and the results when they may see them, as
counts, shares and (ranked choice) the instant-runoff rounds. A few queries, whatever the number of
ballots; names of voters only for a poll that is not secret."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.http import Http404

from forum.discussions import permissions as thread_permissions
from forum.discussions.models import Thread

from . import counting, permissions
from .models import Ballot, Choice, Poll


@dataclass
class OptionResult:
    option: object
    count: int
    share: float  # 0..100, of the ballots counted
    winner: bool = False
    bar: float = 0.0  # 0..100, of the largest count (the chart's bar length)


@dataclass
class RoundView:
    number: int
    rows: list[OptionResult]
    exhausted: int
    eliminated: list = field(default_factory=list)
    winner: object = None


@dataclass
class Results:
    ballots: int
    rows: list[OptionResult]  # single and multiple choice; ranked: the last round
    rounds: list[RoundView] = field(default_factory=list)  # ranked choice only
    winner: object = None
    tie: list = field(default_factory=list)
    voters: list | None = None  # [(name, organisation name or "", [option labels])] when not secret


@dataclass
class PollView:
    poll: Poll
    options: list
    ballot: Ballot | None
    chosen: list[int]  # option ids of the ballot, first choice first
    may_vote: bool
    vote_refusal: str
    results: Results | None
    results_refusal: str
    may_close: bool
    ballot_count: int
    replaces: str = ""  # "<ballot id>:<revision>" for the change form


def _reason(check, user, obj) -> str:
    try:
        check(user, obj)
    except Http404:
        return ""
    except PermissionDenied as e:
        return str(e) if e.args else ""
    return ""


def poll_for_thread(thread) -> Poll | None:
    """The thread's poll, or None: no query when the thread came with it (`thread_get_for_viewer`
    joins it, see `PollsConfig.ready`), else one."""
    if Thread.poll.is_cached(thread):
        try:
            return thread.poll
        except Poll.DoesNotExist:
            return None
    return Poll.objects.filter(thread_id=thread.pk).first()


def poll_get_for_viewer(*, poll_id: int, viewer) -> Poll:
    """The poll, when the viewer may read its thread (else Http404)."""
    poll = Poll.objects.select_related("thread__category").filter(pk=poll_id).first()
    if poll is None:
        raise Http404
    thread_permissions.check_view_thread(viewer, poll.thread)
    return poll


def results_for(poll: Poll, options: list, *, with_voters: bool) -> Results:
    """Count the poll: one query for the choices (and one for the voters' names when shown)."""
    rows = list(Choice.objects.filter(ballot__poll=poll).values_list("ballot_id", "option_id", "rank"))
    ballots = counting.ballots_from_rows(rows)
    by_id = {o.pk: o for o in options}
    option_ids = [o.pk for o in options]
    total = len(ballots)

    def table(counts: dict[int, int], winner=None) -> list[OptionResult]:
        denominator = sum(counts.values()) if poll.kind == Poll.Kind.RANKED else total
        top = max(counts.values(), default=0)
        return [OptionResult(option=by_id[i], count=counts[i],
                             share=round(100 * counts[i] / denominator, 1) if denominator else 0.0,
                             bar=round(100 * counts[i] / top, 1) if top else 0.0, winner=i == winner)
                for i in option_ids if i in counts]

    if poll.kind == Poll.Kind.RANKED:
        outcome = counting.instant_runoff(ballots, option_ids)
        rounds = [RoundView(number=r.number, rows=table(r.counts, r.winner), exhausted=r.exhausted,
                            eliminated=[by_id[i] for i in r.eliminated],
                            winner=by_id.get(r.winner)) for r in outcome.rounds]
        first = counting.plain_counts([(b, c[0], 1) for b, c in ballots.items()], option_ids)
        results = Results(ballots=total, rows=rounds[-1].rows if rounds else table(first),
                          rounds=rounds, winner=by_id.get(outcome.winner), tie=[by_id[i] for i in outcome.tie])
    else:
        counts = counting.plain_counts(rows, option_ids)
        results = Results(ballots=total, rows=table(counts))
    if with_voters:
        names = {b.pk: b for b in Ballot.objects.filter(poll=poll).select_related("voter", "organisation")
                 .order_by("created_at", "pk")}
        results.voters = [(names[b].voter.display_name, names[b].organisation.name if names[b].organisation else "",
                           [by_id[i].label for i in ballots.get(b, [])]) for b in names]
    return results


def poll_view_for_viewer(*, poll: Poll, viewer) -> PollView:
    """Everything the poll section shows the viewer (the thread already checked readable)."""
    options = list(poll.options.all())
    ballot = permissions.ballot_of(viewer, poll)
    chosen = list(ballot.choices.order_by("rank").values_list("option_id", flat=True)) if ballot else []
    vote_refusal = _reason(permissions.check_vote_in_poll, viewer, poll)
    may_vote = permissions.allows(permissions.check_vote_in_poll, viewer, poll)
    results_refusal = _reason(permissions.check_view_poll_results, viewer, poll)
    results = None
    if permissions.allows(permissions.check_view_poll_results, viewer, poll):
        results = results_for(poll, options,
                              with_voters=permissions.allows(permissions.check_view_poll_voters, viewer, poll))
        count = results.ballots
    else:
        count = Ballot.objects.filter(poll=poll).count()
    return PollView(poll=poll, options=options, ballot=ballot, chosen=chosen, may_vote=may_vote,
                    vote_refusal=vote_refusal if not may_vote else "", results=results,
                    results_refusal=results_refusal if results is None else "",
                    may_close=permissions.allows(permissions.check_close_poll, viewer, poll),
                    ballot_count=count,
                    replaces=f"{ballot.pk}:{ballot.revision}" if ballot else "")
