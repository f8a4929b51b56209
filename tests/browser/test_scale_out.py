# ruff: noqa: F811
"""Scale-out: two daphne processes share only PostgreSQL/the database and the Redis channel layer.
A member on one process sees, live, the reply a member on the other process writes."""

import pytest

from tests.browser.conftest import login
from tests.notifications.factories import make_category, make_thread  # noqa: F401

pytestmark = pytest.mark.browser


def test_a_reply_written_on_one_process_arrives_live_on_the_other(
        live_server, second_live_server, new_page, make_user, make_thread):
    assert live_server.port != second_live_server.port
    sara = make_user(display_name="Sara", email="sara-scale@example.org")
    lina = make_user(display_name="Lina", email="lina-scale@example.org")
    omar = make_user(display_name="Omar", email="omar-scale@example.org")
    thread = make_thread(author=sara, title="Two processes, one thread")

    reader = new_page(server=live_server)
    login(reader, email=lina.email)
    reader.goto(thread.get_absolute_url())
    reader.locator(".post-list[data-live=connected]").wait_for(state="attached")

    writer = new_page(server=second_live_server)
    login(writer, email=omar.email)
    writer.goto(thread.get_absolute_url())
    writer.fill("textarea[name=source]", "@Lina written through the second process.")
    writer.locator("[data-reply-form] button[type=submit]:not([name=preview])").click()
    writer.wait_for_load_state("networkidle")
    reply = thread.posts.order_by("-id").first()
    assert reply.author_id == omar.pk

    banner = reader.locator(".live-banner-button")
    banner.wait_for(state="visible")
    banner.click()
    reader.locator(f"#post-{reply.pk}", has_text="second process").wait_for(state="attached")
    badge = reader.locator("[data-notification-badge] .badge")
    badge.wait_for(state="visible")
    assert badge.inner_text() == "1"
    assert reader.outside_requests == [] and writer.outside_requests == []


def test_signing_out_other_sessions_on_one_process_closes_the_open_page_on_the_other(
        live_server, second_live_server, new_page, make_user, make_thread):
    """The open page's sockets live on one daphne process; the member ends that session from a
    second device served by the other process: the page stops being live at once."""
    sara = make_user(display_name="Sara", email="sara-sessions@example.org")
    lina = make_user(display_name="Lina", email="lina-sessions@example.org")
    thread = make_thread(author=sara, title="Sessions end everywhere")

    laptop = new_page(server=live_server)
    login(laptop, email=lina.email)
    laptop.goto(thread.get_absolute_url())
    laptop.locator(".post-list[data-live=connected]").wait_for(state="attached")

    phone = new_page(server=second_live_server)
    login(phone, email=lina.email)
    phone.goto("/accounts/sessions/")
    phone.locator("form[method=post] button[type=submit]").last.click()
    phone.wait_for_load_state("networkidle")

    laptop.locator(".post-list[data-live=closed]").wait_for(state="attached", timeout=3000)
    assert laptop.outside_requests == [] and phone.outside_requests == []
