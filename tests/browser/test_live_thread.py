# ruff: noqa: F811
"""Two members on one thread in two browsers: a reply arrives live on the other's page (banner,
then inserted in place), and a mention lights the other's notification badge."""

import pytest

from tests.browser.conftest import login
from tests.notifications.factories import make_category, make_thread  # noqa: F401

pytestmark = pytest.mark.browser


def test_a_reply_arrives_live_and_a_mention_lights_the_badge(live_server, new_page, make_user, make_thread):
    sara = make_user(display_name="Sara", email="sara@example.org")
    lina = make_user(display_name="Lina", email="lina@example.org")
    omar = make_user(display_name="Omar", email="omar@example.org")
    thread = make_thread(author=sara, title="Wells before winter")
    root = thread.posts.get(depth=0)

    reader = new_page()
    login(reader, email=lina.email)
    reader.goto(thread.get_absolute_url())
    reader.locator(".post-list[data-live=connected]").wait_for(state="attached")
    assert reader.locator("[data-notification-badge] .badge").count() == 0

    writer = new_page()
    login(writer, email=omar.email)
    writer.goto(thread.get_absolute_url())
    writer.fill("textarea[name=source]", "@Lina the wells near Idlib need pumps first.")
    writer.locator("[data-reply-form] button[type=submit]:not([name=preview])").click()
    writer.wait_for_load_state("networkidle")
    reply = thread.posts.order_by("-id").first()
    assert reply.pk != root.pk and reply.author_id == omar.pk

    banner = reader.locator(".live-banner-button")
    banner.wait_for(state="visible")
    assert banner.inner_text() == "Show new replies: 1"
    assert reader.locator(".live-banner").get_attribute("aria-live") == "polite"
    assert reader.locator(f"#post-{reply.pk}").count() == 0  # nothing moves until asked
    scroll_before = reader.evaluate("window.scrollY")

    banner.click()
    inserted = reader.locator(f"#post-{reply.pk}")
    inserted.wait_for(state="attached")
    assert "pumps first" in inserted.inner_text()
    # In place: right after the post it answers, inside the thread's list.
    assert reader.evaluate(
        f"document.getElementById('post-{root.pk}').compareDocumentPosition("
        f"document.getElementById('post-{reply.pk}')) & Node.DOCUMENT_POSITION_FOLLOWING") != 0
    assert reader.locator(f".post-list #post-{reply.pk}").count() == 1
    assert reader.evaluate("window.scrollY") == scroll_before
    assert banner.is_hidden()

    badge = reader.locator("[data-notification-badge] .badge")
    badge.wait_for(state="visible")
    assert badge.inner_text() == "1"

    # The writer edits the reply: the reader's copy changes in place, without a reload.
    reader.evaluate("window.__sameDocument = true")
    writer.goto(f"/t/post/{reply.pk}/edit/")
    writer.fill("textarea[name=source]", "@Lina the wells near Idlib need solar pumps first.")
    writer.get_by_role("button", name="Save changes").click()
    writer.wait_for_load_state("networkidle")
    reader.locator(f"#post-{reply.pk} .post-body", has_text="solar pumps").wait_for()
    assert reader.evaluate("window.__sameDocument") is True

    reader.click("[data-notification-badge]")
    assert "Omar mentioned you in “Wells before winter”" in reader.locator(".notification-list").inner_text()

    assert reader.outside_requests == [] and writer.outside_requests == []


def test_a_reply_raises_the_unread_badge_on_an_open_category_page(live_server, new_page, make_user, make_thread):
    sara = make_user(display_name="Sara", email="sara2@example.org")
    lina = make_user(display_name="Lina", email="lina2@example.org")
    omar = make_user(display_name="Omar", email="omar2@example.org")
    thread = make_thread(author=sara, title="Schools reopening")

    reader = new_page()
    login(reader, email=lina.email)
    reader.goto(thread.get_absolute_url())  # read it: nothing unread
    reader.goto(thread.category.get_absolute_url())
    reader.locator("[data-live-lists][data-live=connected]").wait_for(state="attached")
    assert reader.locator(f"[data-unread-thread='{thread.pk}'] .badge").count() == 0

    writer = new_page()
    login(writer, email=omar.email)
    writer.goto(thread.get_absolute_url())
    writer.fill("textarea[name=source]", "The school in Maarat reopens on Sunday.")
    writer.locator("[data-reply-form] button[type=submit]:not([name=preview])").click()
    writer.wait_for_load_state("networkidle")

    badge = reader.locator(f"[data-unread-thread='{thread.pk}'] .badge")
    badge.wait_for(state="visible")
    assert badge.inner_text() == "1"
    reader.reload()
    assert reader.locator(f"[data-unread-thread='{thread.pk}'] .badge").inner_text() == "1"  # the server agrees
    assert reader.outside_requests == [] and writer.outside_requests == []
