"""A secret poll: no page, export, live event or admin view shows who chose what (#12 §1). The pages
and the live event are covered in test_views.py and test_live.py; here the admin and the download."""

import json

import pytest
from django.urls import reverse

from forum.polls import services

from .conftest import option_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret_vote(make_poll, make_user):
    poll = make_poll(secret=True, options=["Dig deeper", "Build a cistern"])
    voter = make_user(display_name="Rania Khoury")
    services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "Build a cistern"))
    return poll, voter


def test_the_admin_has_no_page_for_ballots_or_choices(admin_client):
    from django.contrib import admin

    from forum.polls.models import Ballot, Choice, Poll

    assert Poll in admin.site._registry
    assert Ballot not in admin.site._registry and Choice not in admin.site._registry


def test_the_admin_poll_pages_name_no_voter(client, secret_vote, make_user):
    poll, _voter = secret_vote
    admin = make_user(role="admin")
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=admin, type="totp", data={"secret": "x"})
    client.force_login(admin)
    for url in (reverse("admin:polls_poll_changelist"), reverse("admin:polls_poll_change", args=[poll.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Rania" not in response.content.decode(), url


def test_the_download_names_the_secret_poll_but_not_the_choice(secret_vote, make_poll):
    from forum.accounts import services as account_services

    poll, voter = secret_vote
    public = make_poll(secret=False, options=["Open well", "Closed well"])
    services.ballot_cast(voter=voter, poll=public, option_ids=option_ids(public, "Open well"))
    data = json.loads(account_services.personal_data_export_json(user=voter, actor=voter))["data"]
    ballots = {b["poll"]: b for b in data["polls.ballots"]}
    assert ballots[poll.pk]["secret"] is True and "choices" not in ballots[poll.pk]
    assert ballots[public.pk]["choices"] == ["Open well"]
    assert "cistern" not in json.dumps(data)


def test_a_deleted_voter_stays_counted_and_a_public_poll_no_longer_names_them(client, make_poll, make_user):
    from forum.accounts import services as account_services
    from forum.polls import selectors

    poll = make_poll(secret=False)
    voter = make_user(display_name="Karim Saleh")
    services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "North"))
    account_services.account_delete(user=voter, actor=voter)
    results = selectors.results_for(poll, list(poll.options.all()), with_voters=True)
    assert results.ballots == 1
    assert all("Karim" not in name for name, _org, _labels in results.voters)
