import pytest
from django.core.management import call_command

from forum.polls.models import Ballot, Poll

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_one_poll_with_the_two_representatives_votes_once(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    call_command("seed_demo", stdout=None)
    poll = Poll.objects.get()
    assert poll.electorate == "organisations" and not poll.secret
    assert Ballot.objects.filter(poll=poll).count() == 2
    assert poll.is_open()
