# ruff: noqa: F811
"""A poll in a thread, in two browsers: one member votes with the plain form (and changes the vote),
and the other reader's chart and table follow without a reload; a ranked poll shows its rounds.
Nothing outside the server is contacted and the pages log no errors (strict CSP: no inline script)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from forum.polls import services
from tests.browser.conftest import login
from tests.notifications.factories import make_category, make_thread  # noqa: F401

pytestmark = pytest.mark.browser


def _poll(thread, **fields):
    return services.poll_create(actor=thread.author, thread=thread, question="Which well first?",
                                options=["North well", "South well", "East well"],
                                closes_at=timezone.now() + timedelta(days=3), **fields)


def _row(page, label):
    return page.locator(".poll-table tbody tr", has_text=label).first


def test_a_vote_updates_another_readers_chart_live(live_server, new_page, make_user, make_thread):
    sara = make_user(display_name="Sara", email="sara-poll@example.org")
    lina = make_user(display_name="Lina", email="lina-poll@example.org")
    omar = make_user(display_name="Omar", email="omar-poll@example.org")
    thread = make_thread(author=sara, title="Wells before winter")
    poll = _poll(thread, secret=True)

    reader = new_page()
    login(reader, email=lina.email)
    reader.goto(thread.get_absolute_url())
    reader.locator(".post-list[data-live=connected]").wait_for(state="attached")
    reader.evaluate("window.__sameDocument = true")
    assert _row(reader, "South well").locator("td").first.inner_text() == "0"
    assert reader.locator(f"#poll-{poll.pk} svg[role=img] title").count() == 1

    voter = new_page()
    login(voter, email=omar.email)
    voter.goto(thread.get_absolute_url())
    voter.locator(f"#poll-{poll.pk} label", has_text="South well").click()
    voter.locator(f"#poll-{poll.pk} .poll-form button[type=submit]").click()
    voter.wait_for_load_state("networkidle")
    assert "You have voted." in voter.locator(f"#poll-{poll.pk}").inner_text()

    _row(reader, "South well").locator("td", has_text="1").first.wait_for()
    assert _row(reader, "South well").locator("td").nth(1).inner_text() == "100.0%"
    assert reader.locator(".poll-bar-label", has_text="South well — 1").count() == 1

    # The voter changes their mind: the reader's table follows; the secret ballot names nobody.
    voter.locator(f"#poll-{poll.pk} label", has_text="East well").click()
    voter.get_by_role("button", name="Change my vote").click()
    voter.wait_for_load_state("networkidle")
    _row(reader, "East well").locator("td", has_text="1").first.wait_for()
    assert _row(reader, "South well").locator("td").first.inner_text() == "0"
    assert reader.evaluate("window.__sameDocument") is True
    assert "Omar" not in reader.locator(f"#poll-{poll.pk}").inner_text()

    # Voting twice from an old page is refused, with the reason, and nothing counted.
    stale = new_page()
    login(stale, email=omar.email)
    stale.goto(thread.get_absolute_url())
    stale.evaluate("document.querySelector('input[name=replaces]').value = ''")
    stale.locator(f"#poll-{poll.pk} label", has_text="North well").click()
    stale.locator(f"#poll-{poll.pk} .poll-form button[type=submit]").click()
    stale.wait_for_load_state("networkidle")
    assert "already voted" in stale.locator("[role=alert]").inner_text()
    assert _row(reader, "North well").locator("td").first.inner_text() == "0"

    for page in (reader, voter):
        assert page.outside_requests == [] and page.console_errors == []
    # The refusal page is answered 403 (which the browser notes), and nothing else.
    assert stale.outside_requests == [] and all("403" in e for e in stale.console_errors)


def test_a_ranked_poll_counts_by_instant_runoff_and_shows_the_rounds(live_server, new_page, make_user, make_thread):
    sara = make_user(display_name="Sara", email="sara-ranked@example.org")
    thread = make_thread(author=sara, title="Priorities")
    poll = _poll(thread, kind="ranked")
    north, south, east = (poll.options.get(label=label).pk for label in ("North well", "South well", "East well"))
    for ranking in ([north], [north], [south], [east, south], [south]):
        services.ballot_cast(voter=make_user(), poll=poll, option_ids=ranking)

    page = new_page()
    login(page, email=sara.email)
    page.goto(thread.get_absolute_url())
    section = page.locator(f"#poll-{poll.pk}")
    assert "Winner by instant runoff: South well" in section.inner_text()
    assert section.locator(".poll-round").count() == 2
    assert "Eliminated: East well" in section.locator(".poll-round").first.inner_text()
    # Ranking with numbers, no JavaScript needed: two options at the same rank are refused.
    section.locator(f"input[name=rank-{north}]").fill("1")
    section.locator(f"input[name=rank-{south}]").fill("1")
    section.locator(".poll-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "same rank" in page.locator("[role=alert]").inner_text()
    assert page.outside_requests == [] and all("400" in e for e in page.console_errors)
