"""A notification with an Arabic name and a Latin title, read in the French interface, in a real
Chromium (issue #10 §1): the sentence reads left to right with the name first and the title inside
French quotes, not "”posted in “Article 1 … ريم العلي"."""

import pytest

from tests.browser.conftest import login
from tests.discussions.factories import make_category, make_thread  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

GEOMETRY = """(el) => {
  const spans = [...el.querySelectorAll("bdi")].map((b) => b.getBoundingClientRect());
  return {dir: getComputedStyle(el).direction, bdi: spans.map((r) => ({left: r.left, right: r.right})),
          text: el.innerText};
}"""


def test_arabic_name_in_a_french_notification_stays_in_its_place(live_server, new_page, make_user,
                                                                  make_thread):  # noqa: F811
    from forum.discussions import services as discussions

    rim = make_user(email="rim@example.org", display_name="ريم العلي")
    lea = make_user(email="lea@example.org", display_name="Léa", preferred_language="fr")
    thread = make_thread(author=lea, title="Article 1 (projet)")
    discussions.post_create(author=rim, thread=thread, source="أوافق على المادة الأولى")

    page = new_page(locale="fr")
    login(page, email=lea.email)
    page.goto("/notifications/")
    item = page.locator(".notification-list .notification-text").first
    layout = item.evaluate(GEOMETRY)
    assert layout["dir"] == "ltr"
    assert layout["text"].startswith("ريم العلي ")
    assert "« Article 1 (projet) »" in layout["text"]
    actor, title = layout["bdi"]
    # Read left to right: the name comes first, the title last (inside its quotes).
    assert actor["right"] < title["left"]
    assert page.title().startswith("Notifications")
