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


QUOTE = """(q) => {
  const bdi = q.querySelector("bdi"), outer = q.getBoundingClientRect(), inner = bdi.getBoundingClientRect();
  return {dir: getComputedStyle(q).direction, quotes: getComputedStyle(q).quotes,
          inner: getComputedStyle(bdi).direction, before: inner.left - outer.left, after: outer.right - inner.right};
}"""


def test_a_latin_excerpt_on_an_arabic_page_is_quoted_the_arabic_way(live_server, new_page, make_user,
                                                                     make_thread):  # noqa: F811
    """Issue #10: the excerpt's marks turned round ("”Réseau … Paris.“") because the whole quotation
    took the excerpt's direction. The marks now follow the page (right to left, guillemets, which the
    bidi algorithm mirrors to point outwards) and the excerpt is isolated inside them."""
    from forum.discussions import services as discussions

    rim = make_user(email="rim@example.org", display_name="ريم العلي", preferred_language="ar")
    lea = make_user(email="lea@example.org", display_name="Léa")
    thread = make_thread(author=rim, title="المادة الأولى")
    discussions.post_create(author=lea, thread=thread, source="Nous suivons depuis Paris.")

    page = new_page(locale="ar")
    login(page, email=rim.email)
    page.goto("/notifications/")
    layout = page.locator(".notification-excerpt").first.evaluate(QUOTE)
    assert layout["dir"] == "rtl" and layout["inner"] == "ltr"
    assert layout["quotes"].startswith('"«" "»"')
    assert layout["before"] > 3 and layout["after"] > 3  # a mark on each side, outside the excerpt

    lea.preferred_language = "en"
    lea.save(update_fields=["preferred_language"])
    discussions.post_create(author=rim, thread=thread, source="أوافق على المادة الأولى")
    page = new_page(locale="en")
    login(page, email=lea.email)
    page.goto("/notifications/")
    layout = page.locator(".notification-excerpt").first.evaluate(QUOTE)
    assert layout["dir"] == "ltr" and layout["inner"] == "rtl"  # English marks, Arabic text isolated
    assert layout["before"] > 3 and layout["after"] > 3
