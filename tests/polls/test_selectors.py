"""The poll section's reads: a fixed number of queries whatever the number of ballots."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.accounts.models import User
from forum.polls import selectors, services

from .conftest import option_ids

pytestmark = pytest.mark.django_db


def _queries(poll, viewer_pk) -> int:
    viewer = User.objects.get(pk=viewer_pk)
    from forum.discussions import permissions

    permissions.check_view_thread(viewer, poll.thread)  # the thread page has loaded these facts
    with CaptureQueriesContext(connection) as captured:
        view = selectors.poll_view_for_viewer(poll=poll, viewer=viewer)
    assert view.results is not None
    return len(captured.captured_queries)


@pytest.mark.parametrize("kind", ["single", "ranked"])
@pytest.mark.parametrize("secret", [True, False])
def test_the_poll_section_costs_the_same_for_3_and_30_ballots(make_poll, make_user, kind, secret):
    counts = []
    for size in (3, 30):
        poll = make_poll(kind=kind, secret=secret)
        viewer = make_user()
        services.ballot_cast(voter=viewer, poll=poll, option_ids=option_ids(poll, "North"))
        for i in range(size):
            services.ballot_cast(voter=make_user(), poll=poll,
                                 option_ids=option_ids(poll, *(["South", "East"] if i % 2 else ["East"])[:1 if kind == "single" else 2]))
        poll.thread.refresh_from_db()
        counts.append(_queries(poll, viewer.pk))
    assert counts[0] == counts[1]
    assert counts[0] <= (7 if secret else 8)
