# ruff: noqa: F811
"""A thread event lost on its way (dropped between the server and the page) is noticed by its number
and healed from the database: the page shows every post once, in order; a repeat is ignored."""

import json
import re

import pytest

from tests.browser.conftest import login
from tests.notifications.factories import make_category, make_thread  # noqa: F401

pytestmark = pytest.mark.browser


def _reply(writer, thread, text):
    writer.goto(thread.get_absolute_url())
    writer.fill("textarea[name=source]", text)
    writer.locator("[data-reply-form] button[type=submit]:not([name=preview])").click()
    writer.wait_for_load_state("networkidle")


def test_a_dropped_event_is_healed_and_every_post_shows_once_in_order(live_server, new_page, make_user,
                                                                       make_thread):
    sara = make_user(display_name="Sara", email="sara-gap@example.org")
    lina = make_user(display_name="Lina", email="lina-gap@example.org")
    omar = make_user(display_name="Omar", email="omar-gap@example.org")
    thread = make_thread(author=sara, title="Pumps for the wells")
    seen = {"dropped": [], "repeated": [], "from_page": []}

    def route(page_side):
        server = page_side.connect_to_server()

        def from_server(message):
            event = json.loads(message)
            if event.get("type") == "discussions.post.created" and "seq" in event:
                if not seen["dropped"]:  # the first reply's event is lost on its way
                    seen["dropped"].append(event)
                    return
                if not seen["repeated"]:  # the second one comes twice
                    seen["repeated"].append(event)
                    page_side.send(message)
            page_side.send(message)

        def from_page(message):
            seen["from_page"].append(json.loads(message))
            server.send(message)

        server.on_message(from_server)
        page_side.on_message(from_page)

    reader = new_page()
    login(reader, email=lina.email)
    reader.route_web_socket(re.compile(r"/ws/threads/"), route)
    reader.goto(thread.get_absolute_url())
    listing = reader.locator(".post-list[data-live=connected]")
    listing.wait_for(state="attached")
    reader.locator(".post-list[data-live-seq]:not([data-live-seq=''])").wait_for(state="attached")
    start = int(listing.get_attribute("data-live-seq"))

    writer = new_page()
    login(writer, email=omar.email)
    _reply(writer, thread, "First: the pumps near Idlib.")
    _reply(writer, thread, "Second: solar panels for them.")
    first, second = thread.posts.order_by("-id")[:2][::-1]
    assert seen["dropped"][0]["post_id"] == first.pk and seen["dropped"][0]["seq"] == start + 1

    # The second reply's number (start + 2) shows a gap; a second later the page heals it.
    reader.locator(".post-list[data-live-heals='1']").wait_for(state="attached")
    reader.locator(f".post-list[data-live-seq='{start + 2}']").wait_for(state="attached")
    assert listing.get_attribute("data-live-gaps") == "1"
    assert listing.get_attribute("data-live-repeats") == "1"  # the second reply's repeat, ignored
    heal = seen["from_page"][-1]
    assert heal == {"type": "resume", "after_post": thread.posts.get(depth=0).pk, "after_seq": start}

    banner = reader.locator(".live-banner-button")
    reader.locator(".live-banner-button", has_text="2").wait_for()
    assert banner.inner_text() == "Show new replies: 2"
    banner.click()
    reader.locator(f"#post-{second.pk}").wait_for(state="attached")
    ids = [int(x) for x in reader.eval_on_selector_all("article.post[data-post-id]",
                                                       "posts => posts.map(p => p.dataset.postId)")]
    assert ids.count(first.pk) == 1 and ids.count(second.pk) == 1
    assert ids.index(first.pk) < ids.index(second.pk)
    assert reader.outside_requests == [] and writer.outside_requests == []
