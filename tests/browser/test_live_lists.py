# ruff: noqa: F811
"""Two members on one category: the other's new thread, then a reply bumping an older thread, are
announced by a banner on the open category page; clicking it puts the rows at the top of the table
(pinned threads stay first) without reloading the page."""

import re

import pytest

from forum.discussions import services
from forum.discussions.models import Thread
from tests.browser.conftest import login
from tests.discussions.factories import _generous_post_rate, give_mfa, make_category, make_thread  # noqa: F401

pytestmark = pytest.mark.browser


def _row_ids(page) -> list[int]:
    return [int(i) for i in page.eval_on_selector_all("[data-thread-rows] tr", "rows => rows.map(r => r.dataset.threadId)")]


def test_a_new_thread_and_a_bumped_thread_appear_on_the_open_category_page(live_server, new_page, make_user,
                                                                          make_category, make_thread, give_mfa):
    lina = make_user(display_name="Lina", email="lina-lists@example.org")
    omar = make_user(display_name="Omar", email="omar-lists@example.org")
    category = make_category(name="Water")
    pinned = make_thread(category=category, author=lina, title="Read me first")
    older = make_thread(category=category, author=lina, title="Wells before winter")
    newer = make_thread(category=category, author=lina, title="Schools reopening")
    services.thread_pin(actor=give_mfa(make_user(role="moderator")), thread=pinned)

    reader = new_page()
    login(reader, email=lina.email)
    reader.goto(category.get_absolute_url())
    reader.locator("[data-live-lists][data-live=connected]").wait_for(state="attached")
    assert _row_ids(reader) == [pinned.pk, newer.pk, older.pk]
    reader.evaluate("window.__sameDocument = true")

    # Omar starts a thread through the form on the category page.
    writer = new_page()
    login(writer, email=omar.email)
    writer.goto(category.get_absolute_url())
    writer.fill("#new-thread-title", "Pumps for Idlib")
    writer.fill("#new-thread-source", "Who has spare solar pumps?")
    writer.locator("section.new-thread button[type=submit]:not([name=preview])").click()
    writer.wait_for_url(re.compile(r"/t/\d+/$"))
    started = Thread.objects.get(title="Pumps for Idlib")

    banner = reader.locator("[data-live-rows] button")
    banner.wait_for(state="visible")
    assert banner.inner_text() == "Show new or updated threads: 1"
    assert reader.locator("[data-live-rows]").get_attribute("aria-live") == "polite"
    assert reader.locator(f"tr[data-thread-id='{started.pk}']").count() == 0  # nothing moves until asked
    assert reader.locator(".live-banner-button[href]").is_hidden()  # no reload link in its place

    banner.click()
    reader.locator(f"[data-thread-rows] tr[data-thread-id='{started.pk}']").wait_for(state="attached")
    assert _row_ids(reader) == [pinned.pk, started.pk, newer.pk, older.pk]
    assert "Pumps for Idlib" in reader.locator(f"tr[data-thread-id='{started.pk}']").inner_text()
    assert banner.is_hidden()

    # Omar replies in the oldest thread: it moves up under the pinned one with its new reply count.
    assert reader.locator(f"tr[data-thread-id='{older.pk}'] td").first.inner_text() == "0"
    writer.goto(older.get_absolute_url())
    writer.fill("textarea[name=source]", "The wells near Idlib need pumps first.")
    writer.locator("[data-reply-form] button[type=submit]:not([name=preview])").click()
    writer.wait_for_load_state("networkidle")
    banner.wait_for(state="visible")
    assert banner.inner_text() == "Show new or updated threads: 1"
    banner.click()
    reader.locator(f"[data-thread-rows] tr:nth-child(2)[data-thread-id='{older.pk}']").wait_for(state="attached")
    assert _row_ids(reader) == [pinned.pk, older.pk, started.pk, newer.pk]
    assert reader.locator(f"tr[data-thread-id='{older.pk}'] td").first.inner_text() == "1"
    assert reader.locator(f"tr[data-thread-id='{older.pk}'] [data-unread-thread] .badge").inner_text() == "1"
    assert reader.locator(f"[data-thread-rows] tr[data-thread-id='{older.pk}']").count() == 1

    assert reader.evaluate("window.__sameDocument") is True  # never reloaded
    assert reader.console_errors == []
    assert reader.outside_requests == [] and writer.outside_requests == []
