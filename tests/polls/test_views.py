"""The poll over HTTP, without JavaScript: the section on the thread page, voting and changing a vote
with plain forms, the refusals on the poll's page (translated, nothing counted), adding a poll (to a
thread, or with a new thread), closing it, and the results fragment live pages fetch."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from forum.polls.models import Ballot, Poll

from .conftest import option_ids

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_the_thread_page_shows_the_poll_and_a_vote_form(client, make_poll, make_user):
    poll = make_poll(question="Which well first?")
    html = login(client, make_user()).get(poll.thread.get_absolute_url()).content.decode()
    assert f'id="poll-{poll.pk}"' in html
    assert "Which well first?" in html
    assert f'action="{reverse("polls:vote", args=[poll.pk])}"' in html
    assert 'type="radio" name="choices"' in html
    assert 'role="img"' in html and "<table" in html  # results shown always: the chart and its table


def test_a_thread_without_poll_offers_its_author_to_add_one_and_nobody_else(client, make_thread, make_user):
    thread = make_thread()
    add = reverse("polls:create", args=[thread.pk])
    assert add in login(client, thread.author).get(thread.get_absolute_url()).content.decode()
    assert add not in login(client, make_user()).get(thread.get_absolute_url()).content.decode()


def test_voting_with_the_plain_form_redirects_to_the_poll_and_counts(client, make_poll, make_user):
    poll = make_poll()
    voter = make_user()
    response = login(client, voter).post(reverse("polls:vote", args=[poll.pk]),
                                         {"choices": option_ids(poll, "South")})
    assert response.status_code == 302 and response["Location"].endswith(f"#poll-{poll.pk}")
    html = client.get(poll.thread.get_absolute_url()).content.decode()
    assert "You have voted." in html and "Change my vote" in html
    ballot = Ballot.objects.get()
    assert f'name="replaces" value="{ballot.pk}:1"' in html
    response = client.post(reverse("polls:vote", args=[poll.pk]),
                           {"choices": option_ids(poll, "East"), "replaces": f"{ballot.pk}:1"})
    assert response.status_code == 302
    assert Ballot.objects.get().choices.get().option.label == "East"


def test_voting_twice_is_refused_on_the_page_in_the_readers_language(client, make_poll, make_user):
    poll = make_poll()
    voter = make_user(preferred_language="fr")
    login(client, voter).post(reverse("polls:vote", args=[poll.pk]), {"choices": option_ids(poll, "South")})
    response = client.post(reverse("polls:vote", args=[poll.pk]), {"choices": option_ids(poll, "North")},
                           HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 403
    assert "déjà voté" in response.content.decode()
    assert Ballot.objects.get().choices.get().option.label == "South"


@pytest.mark.parametrize(("data", "status"), [
    ({}, 400),
    ({"choices": ["999999"]}, 400),
    ({"choices": ["nope"]}, 400),
    ({"replaces": "x" * 100, "choices": ["1"]}, 400),
])
def test_bad_votes_are_refused_and_nothing_counted(client, make_poll, make_user, data, status):
    poll = make_poll()
    response = login(client, make_user()).post(reverse("polls:vote", args=[poll.pk]), data)
    assert response.status_code == status
    assert 'role="alert"' in response.content.decode()
    assert not Ballot.objects.exists()


def test_a_ranked_ballot_by_numbers_and_its_faults(client, make_poll, make_user):
    poll = make_poll(kind="ranked")
    north, south, east = option_ids(poll, "North", "South", "East")
    login(client, make_user())
    url = reverse("polls:vote", args=[poll.pk])
    for data in ({f"rank-{north}": "1", f"rank-{south}": "1"},  # the same rank twice
                 {f"rank-{north}": "1", "rank-999999": "2"},  # an unknown option
                 {f"rank-{north}": "first"},  # not a number
                 {f"rank-{north}": ""}):  # nothing ranked
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert not Ballot.objects.exists()
    assert client.post(url, {f"rank-{east}": "1", f"rank-{north}": "2", f"rank-{south}": ""}).status_code == 302
    assert list(Ballot.objects.get().choices.values_list("option__label", flat=True)) == ["East", "North"]


def test_voting_needs_csrf(make_poll, make_user):
    from django.test import Client

    poll = make_poll()
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user())
    response = client.post(reverse("polls:vote", args=[poll.pk]), {"choices": option_ids(poll, "North")})
    assert response.status_code == 403
    assert not Ballot.objects.exists()


def test_visitors_are_sent_to_sign_in(client, make_poll):
    poll = make_poll()
    response = client.post(reverse("polls:vote", args=[poll.pk]), {"choices": option_ids(poll, "North")})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not Ballot.objects.exists()


def test_a_poll_in_a_category_one_cannot_see_is_not_found(client, make_poll, make_thread, make_category, make_user,
                                                         make_organisation):
    org = make_organisation()
    thread = make_thread(category=make_category(visibility="restricted", allowed_organisations=[org]),
                         author=make_user(organisation=org))
    poll = make_poll(thread=thread)
    login(client, make_user())
    for name in ("detail", "results"):
        assert client.get(reverse(f"polls:{name}", args=[poll.pk])).status_code == 404
    assert client.post(reverse("polls:vote", args=[poll.pk]), {"choices": ["1"]}).status_code == 404


def test_results_after_voting_are_hidden_until_one_votes(client, make_poll, make_user):
    poll = make_poll(results="after_vote")
    first = make_user()
    login(client, first)
    html = client.get(reverse("polls:results", args=[poll.pk])).content.decode()
    assert "once you have voted" in html and "<svg" not in html
    client.post(reverse("polls:vote", args=[poll.pk]), {"choices": option_ids(poll, "North")})
    html = client.get(reverse("polls:results", args=[poll.pk])).content.decode()
    assert "<svg" in html and "North — 1 (100.0%)" in html


def test_results_after_closing_are_hidden_even_from_voters_until_then(client, make_poll, make_user):
    poll = make_poll(results="after_close")
    voter = make_user()
    login(client, voter).post(reverse("polls:vote", args=[poll.pk]), {"choices": option_ids(poll, "North")})
    assert "<svg" not in client.get(reverse("polls:results", args=[poll.pk])).content.decode()
    login(client, poll.thread.author).post(reverse("polls:close", args=[poll.pk]))
    login(client, voter)
    assert "<svg" in client.get(reverse("polls:results", args=[poll.pk])).content.decode()


def test_a_public_poll_names_its_voters_and_a_secret_one_nowhere(client, make_poll, make_user, make_thread):
    public = make_poll(secret=False)
    secret = make_poll(secret=True)
    voter = make_user(display_name="Nour Haddad")
    login(client, voter)
    for poll in (public, secret):
        client.post(reverse("polls:vote", args=[poll.pk]), {"choices": option_ids(poll, "North")})
    reader = make_user()
    login(client, reader)
    assert "Nour Haddad" in client.get(reverse("polls:results", args=[public.pk])).content.decode()
    for url in (reverse("polls:results", args=[secret.pk]), reverse("polls:detail", args=[secret.pk]),
                secret.thread.get_absolute_url()):
        assert "Nour Haddad" not in client.get(url).content.decode(), url


def test_the_author_adds_a_poll_with_the_plain_form(client, make_thread):
    thread = make_thread()
    url = reverse("polls:create", args=[thread.pk])
    assert 'name="options"' in login(client, thread.author).get(url).content.decode()
    closes = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"question": "Where?", "options": "Here\nThere\n", "kind": "multiple",
                                 "max_choices": "2", "electorate": "members", "results": "after_vote",
                                 "secret": "on", "closes_at": closes})
    assert response.status_code == 302
    poll = Poll.objects.get()
    assert (poll.kind, poll.max_choices, poll.results, poll.secret) == ("multiple", 2, "after_vote", True)


def test_a_bad_poll_form_is_answered_400_with_the_reasons(client, make_thread):
    thread = make_thread()
    response = login(client, thread.author).post(reverse("polls:create", args=[thread.pk]), {
        "question": "", "options": "Only", "kind": "single", "electorate": "members", "results": "always"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give at least two options." in html and "This field cannot be empty." in html
    assert not Poll.objects.exists()


def test_a_thread_with_a_poll_in_one_step_and_a_refused_poll_leaves_no_thread(client, make_category, make_user):
    from forum.discussions.models import Thread

    category = make_category()
    author = make_user()
    url = reverse("polls:thread_create", args=[category.slug])
    closes = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    data = {"title": "Wells", "source": "Which first?", "question": "Which?", "options": "A", "kind": "single",
            "electorate": "members", "results": "always", "closes_at": closes}
    response = login(client, author).post(url, data)
    assert response.status_code == 400 and not Thread.objects.exists()
    response = client.post(url, {**data, "options": "A\nB"})
    assert response.status_code == 302
    thread = Thread.objects.get()
    assert thread.poll.question == "Which?"


def test_closing_is_for_the_author_or_moderators(client, make_poll, make_user):
    poll = make_poll()
    assert login(client, make_user()).post(reverse("polls:close", args=[poll.pk])).status_code == 403
    poll.refresh_from_db()
    assert not poll.is_closed()


def test_a_secret_organisation_poll_does_not_name_the_representative_who_cast_its_vote(
        client, make_poll, make_user, make_organisation, give_mfa):
    org = make_organisation()
    rep = give_mfa(make_user(role="representative", organisation=org, display_name="Hala Rep"))
    member = make_user(organisation=org)
    for secret, named in ((True, False), (False, True)):
        poll = make_poll(electorate="organisations", secret=secret)
        login(client, rep).post(reverse("polls:vote", args=[poll.pk]), {"choices": option_ids(poll, "East")})
        html = login(client, member).get(poll.thread.get_absolute_url()).content.decode()
        assert "Your organisation has voted" in html and "East" in html
        assert ("Hala Rep" in html) is named


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_the_chart_geometry_is_not_localised_and_bars_start_on_the_pages_side(client, make_poll, make_user, language):
    import re

    from forum.polls import services

    poll = make_poll()
    reader = make_user(preferred_language=language)
    for label in ("North", "North", "South"):
        services.ballot_cast(voter=make_user(), poll=poll, option_ids=option_ids(poll, label))
    html = login(client, reader).get(reverse("polls:results", args=[poll.pk]),
                                      HTTP_ACCEPT_LANGUAGE=language).content.decode()
    rects = re.findall(r'<rect x="([\d.]+)%" y="\d+" width="([\d.]+)%"', html)
    assert len(rects) == 3, html  # one bar per option, numbers a browser reads (never "66,7")
    (_north_x, north_w), (south_x, south_w) = rects[0], rects[1]
    assert float(north_w) == 100.0 and float(south_w) == 50.0
    if language == "ar":  # bars grow from the right, the start of an Arabic page
        assert float(south_x) == 50.0
    else:
        assert float(south_x) == 0.0


@pytest.mark.parametrize(("language", "words"), [
    ("en", "You are voting too fast: at most 2 votes per minute"),
    ("fr", "Vous votez trop vite : au plus 2 votes par minute"),
    ("ar", "أنت تصوّت بسرعة كبيرة"),
])
def test_the_third_vote_or_change_in_a_minute_is_refused_429_in_the_readers_language(
        client, make_poll, make_user, settings, language, words):
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "poll_vote": "2/m"}
    poll = make_poll()
    login(client, make_user(preferred_language=language))
    url = reverse("polls:vote", args=[poll.pk])
    assert client.post(url, {"choices": option_ids(poll, "North")}).status_code == 302
    ballot = Ballot.objects.get()
    assert client.post(url, {"choices": option_ids(poll, "South"), "replaces": f"{ballot.pk}:1"}).status_code == 302
    response = client.post(url, {"choices": option_ids(poll, "East"), "replaces": f"{ballot.pk}:2"},
                           HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 429
    html = response.content.decode()
    assert words in html and 'role="alert"' in html
    ballot.refresh_from_db()
    assert ballot.revision == 2 and ballot.choices.get().option.label == "South"
    assert Ballot.objects.count() == 1
