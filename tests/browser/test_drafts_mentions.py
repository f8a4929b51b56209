"""Drafts kept in the browser and mention suggestions, in a real Chromium (issue #10 §3)."""

import pytest

from tests.browser.conftest import login
from tests.discussions.factories import make_category, make_thread  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


@pytest.fixture
def thread_page(live_server, new_page, make_user, make_category, make_thread):  # noqa: F811
    category = make_category(name="Général")
    writer = make_user(email="rim@example.org", display_name="ريم العلي")
    thread = make_thread(category=category, author=writer, title="Le budget")
    page = new_page(locale="en-GB")
    login(page, email=writer.email)
    page.goto(live_server.url + thread.get_absolute_url())
    page.thread = thread
    page.category = category
    return page


def drafts(page):
    return page.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('madaniya.draft.'))")


def test_a_reply_draft_is_offered_back_after_the_tab_closes_and_cleared_on_send(thread_page, live_server):
    page = thread_page
    page.locator("#id_source").fill("Mon brouillon de réponse")
    page.wait_for_function("() => Object.keys(localStorage).some((k) => k.startsWith('madaniya.draft.'))")
    page.goto(live_server.url + page.thread.get_absolute_url())  # the tab was closed; nothing was sent
    assert page.locator("#id_source").input_value() == ""
    offer = page.get_by_role("group", name="An unsent draft")
    assert offer.is_visible()
    page.get_by_role("button", name="Restore draft").click()
    assert page.locator("#id_source").input_value() == "Mon brouillon de réponse"
    assert page.evaluate("() => document.activeElement.id") == "id_source"
    page.locator("form[data-draft] button[type=submit]:not([name])").click()
    page.wait_for_load_state()
    assert "Mon brouillon de réponse" in page.content()
    assert drafts(page) == []
    page.goto(live_server.url + page.thread.get_absolute_url())
    assert page.locator(".draft-offer").count() == 0


def test_discard_forgets_the_draft(thread_page, live_server):
    page = thread_page
    page.locator("#id_source").fill("À jeter")
    page.wait_for_function("() => Object.keys(localStorage).some((k) => k.startsWith('madaniya.draft.'))")
    page.reload()
    page.get_by_role("button", name="Discard").click()
    assert drafts(page) == [] and page.locator(".draft-offer").count() == 0
    page.reload()
    assert page.locator(".draft-offer").count() == 0


def test_signing_out_clears_every_draft(thread_page, live_server):
    page = thread_page
    page.locator("#id_source").fill("Privé")
    page.wait_for_function("() => Object.keys(localStorage).some((k) => k.startsWith('madaniya.draft.'))")
    page.get_by_role("button", name="Sign out").first.click()
    page.wait_for_load_state()
    assert drafts(page) == []


def test_a_new_thread_draft_keeps_its_title_per_category(thread_page, live_server):
    page = thread_page
    page.goto(live_server.url + page.category.get_absolute_url())
    page.locator("section.new-thread input[name=title]").fill("Un titre")
    page.locator("#new-thread-source").fill("Le texte")
    page.wait_for_function("() => Object.keys(localStorage).some((k) => k.includes('.thread:'))")
    page.reload()
    page.get_by_role("button", name="Restore draft").click()
    assert page.locator("section.new-thread input[name=title]").input_value() == "Un titre"
    assert page.locator("#new-thread-source").input_value() == "Le texte"


def test_mention_suggestions_are_a_keyboard_listbox(thread_page, make_user):
    make_user(display_name="Karim Haddad")
    make_user(display_name="Karima Nasser")
    page = thread_page
    textarea = page.locator("#id_source")
    textarea.click()
    page.keyboard.type("Merci @kar")
    listbox = page.get_by_role("listbox")
    listbox.wait_for()
    options = listbox.get_by_role("option")
    assert options.all_inner_texts() == ["Karim Haddad", "Karima Nasser"]
    assert textarea.get_attribute("aria-controls") == listbox.get_attribute("id")
    assert textarea.get_attribute("aria-autocomplete") == "list"
    assert textarea.get_attribute("aria-activedescendant") == options.nth(0).get_attribute("id")
    page.keyboard.press("ArrowDown")
    assert options.nth(1).get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")
    assert textarea.input_value() == "Merci @[Karima Nasser] "
    assert listbox.is_hidden() and textarea.get_attribute("aria-activedescendant") is None
    page.keyboard.type("et @[Kar")
    listbox.wait_for()
    page.keyboard.press("Escape")
    assert listbox.is_hidden()
    assert textarea.input_value() == "Merci @[Karima Nasser] et @[Kar"
    assert page.outside_requests == []


def test_a_refused_post_keeps_its_draft(thread_page, live_server):
    page = thread_page
    too_long = "x" * 20001  # over FORUM_POST_MAX_CHARS: the server gives the form back with the text
    page.locator("#id_source").fill(too_long)
    page.wait_for_function("() => Object.keys(localStorage).some((k) => k.startsWith('madaniya.draft.'))")
    page.locator("form[data-draft] button[type=submit]:not([name])").click()
    page.wait_for_load_state()
    assert page.locator(".form-error").count() >= 1
    assert page.locator("#id_source").input_value() == too_long
    assert len(drafts(page)) == 1
    page.goto(live_server.url + page.thread.get_absolute_url())
    page.get_by_role("button", name="Restore draft").click()
    assert page.locator("#id_source").input_value() == too_long


CARET = """() => {
  const list = document.querySelector('.mention-list'), field = document.querySelector('#id_source');
  const l = list.getBoundingClientRect(), f = field.getBoundingClientRect();
  return {left: l.left, right: l.right, top: l.top, fieldLeft: f.left, fieldRight: f.right, fieldTop: f.top,
          fieldBottom: f.bottom, dir: getComputedStyle(field).direction};
}"""


@pytest.mark.parametrize("locale", ["en-GB", "ar-SY"])
def test_mention_suggestions_open_at_the_caret_in_either_direction(thread_page, make_user, locale):
    """Issue #10: the list sits under the line being typed, its start edge at the "@" — the left edge
    in left-to-right text, the right edge in right-to-left text — not under the whole textarea."""
    make_user(display_name="Karim Haddad")
    make_user(display_name="كريم حداد")
    page = thread_page
    if locale == "ar-SY":
        page.goto(page.url, wait_until="networkidle")
    textarea = page.locator("#id_source")
    textarea.click()
    listbox = page.get_by_role("listbox")

    # Left to right: the list starts under the "@", far from the textarea's left edge, below line 2.
    page.keyboard.type("Bonjour à toutes et à tous, merci pour ce fil.")
    page.keyboard.press("Enter")
    page.keyboard.type("Je propose que nous demandions à @kar")
    listbox.wait_for()
    box = page.evaluate(CARET)
    assert box["dir"] == "ltr"
    assert box["left"] > box["fieldLeft"] + 150, box  # not at the textarea's start edge
    assert box["fieldTop"] + 30 < box["top"] < box["fieldBottom"], box  # under the second line, inside
    page.keyboard.press("Escape")

    # Right to left: the list's right edge at the "@", to the left of the Arabic words before it.
    textarea.fill("")
    page.keyboard.type("شكراً على هذا الموضوع، أقترح أن نسأل @كر")
    listbox.wait_for()
    box = page.evaluate(CARET)
    assert box["dir"] == "rtl"
    assert box["right"] < box["fieldRight"] - 150, box
    assert box["top"] < box["fieldTop"] + 60, box  # under the first line
    options = listbox.get_by_role("option")
    assert options.all_inner_texts() == ["كريم حداد"]
    page.keyboard.press("Enter")
    assert textarea.input_value().endswith("@[كريم حداد] ")
