"""Two representatives of one organisation submitting its first position at the same moment: the
database constraint lets exactly one in; the other gets the translated "already submitted" refusal."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from forum.consultations import services
from forum.consultations.models import Position, PositionRevision
from tests.conftest import require_service


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_first_positions_of_one_organisation_at_once_make_one(make_representative, make_consultation):
    require_service(connection.vendor == "postgresql", "PostgreSQL")
    consultation = make_consultation(deadline=timezone.now() + timedelta(days=2))
    first = make_representative()
    reps = [first] + [make_representative(organisation=first.memberships.get().organisation) for _ in range(3)]
    barrier = threading.Barrier(len(reps))
    outcomes: list[str] = []

    def submit(rep, n):
        try:
            barrier.wait()
            services.position_submit(actor=rep, consultation=consultation, stance="against", source=f"Version {n}")
            outcomes.append("saved")
        except ValidationError as e:
            outcomes.append(e.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(rep, n)) for n, rep in enumerate(reps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["exists", "exists", "exists", "saved"]
    assert Position.objects.filter(consultation=consultation).count() == 1
    assert PositionRevision.objects.filter(position__consultation=consultation).count() == 1
