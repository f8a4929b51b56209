"""Two representatives racing for an organisation's last seat: the row lock lets exactly one win."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections

from forum.organisations import services
from forum.organisations.models import Invitation
from tests.conftest import require_service


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_last_seat_goes_to_exactly_one_of_two_simultaneous_invitations(make_user, make_organisation, with_mfa):
    require_service(connection.vendor == "postgresql", "PostgreSQL")
    organisation = make_organisation(name="Small", seat_limit=3)
    reps = [with_mfa(make_user(role="representative", organisation=organisation)) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def invite(rep, n):
        try:
            barrier.wait()
            services.invitation_create(actor=rep, email=f"race{n}@example.org", organisation=organisation,
                                       role="member")
            outcomes.append("invited")
        except PermissionDenied:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=invite, args=(rep, n)) for n, rep in enumerate(reps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["invited", "refused"]
    assert Invitation.objects.filter(organisation=organisation).count() == 1
