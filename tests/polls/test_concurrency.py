"""One vote per organisation under concurrency, on PostgreSQL: several representatives of the same
organisation vote at the same instant (each past the check that finds no ballot yet); the database's
unique constraint keeps one ballot, every other is refused as "already voted", and the count is right."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections

from forum.polls import selectors, services
from forum.polls.models import Ballot
from tests.conftest import require_service

from .conftest import option_ids

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

REPRESENTATIVES = 4


def test_representatives_of_one_organisation_voting_at_once_cast_one_vote(make_poll, make_user, make_organisation,
                                                                          give_mfa, monkeypatch):
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    poll = make_poll(electorate="organisations")
    horizon, wells = make_organisation(name="Horizon"), make_organisation(name="Wells")
    reps = [give_mfa(make_user(role="representative", organisation=horizon)) for _ in range(REPRESENTATIVES)]
    other = give_mfa(make_user(role="representative", organisation=wells))
    labels = ["North", "South", "East", "North"]

    # Every thread reaches the insert only when all have looked for their organisation's ballot
    # and found none: the unique constraint alone must decide.
    barrier = threading.Barrier(REPRESENTATIVES, timeout=20)
    create = Ballot.objects.create

    def create_together(**fields):
        barrier.wait()
        return create(**fields)

    monkeypatch.setattr(Ballot.objects, "create", create_together)
    outcomes = [None] * REPRESENTATIVES

    def vote(i):
        try:
            services.ballot_cast(voter=reps[i], poll=poll, option_ids=option_ids(poll, labels[i]))
            outcomes[i] = "counted"
        except PermissionDenied as e:
            outcomes[i] = str(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(REPRESENTATIVES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    monkeypatch.undo()
    assert outcomes.count("counted") == 1, outcomes
    assert all("organisation has already voted" in o for o in outcomes if o != "counted"), outcomes
    services.ballot_cast(voter=other, poll=poll, option_ids=option_ids(poll, "South"))
    assert Ballot.objects.filter(poll=poll).count() == 2
    assert Ballot.objects.filter(poll=poll, organisation=horizon).count() == 1
    winner_label = labels[outcomes.index("counted")]
    results = selectors.results_for(poll, list(poll.options.all()), with_voters=False)
    counts = {r.option.label: r.count for r in results.rows}
    assert results.ballots == 2 and sum(counts.values()) == 2
    assert counts[winner_label] >= 1 and counts["South"] >= 1
