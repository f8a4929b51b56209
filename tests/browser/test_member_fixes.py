# ruff: noqa: F811
"""Issue #10 §1 in a real Chromium: reactions picked without a reload (and still with JavaScript off), the
keyboard reaches the reply form of a long thread in a few presses, the sessions table becomes cards
on a phone, "show new replies" brings the new post into view and counts it, and Arabic dates stay on
one line."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.discussions.factories import make_category, make_post, make_thread  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def long_thread(make_user, make_thread, make_post):
    """A thread of nine posts by several members, read by Lina."""
    lina = make_user(display_name="Lina", email="lina@example.org")
    authors = [make_user(display_name=f"Member {i}") for i in range(4)]
    thread = make_thread(author=authors[0], title="Wells before winter",
                         source="Which villages first?\n\nLong opening text. " * 8)
    root = thread.posts.get(depth=0)
    for i in range(8):
        make_post(thread=thread, author=authors[i % 4], parent=root if i % 2 else None,
                  source=f"Answer number {i}: " + "the pumps need spare parts before the cold. " * 6)
    return {"thread": thread, "lina": lina, "root": root}


def test_a_reaction_is_picked_and_updates_in_place_without_reloading(live_server, new_page, long_thread):
    page = new_page()
    login(page, email="lina@example.org")
    page.goto(long_thread["thread"].get_absolute_url())
    page.evaluate("window.__sameDocument = true")
    root = long_thread["root"]
    card = page.locator(f"#post-{root.pk}")
    add = card.locator("a.react-add")
    expect(add).to_have_accessible_name("Add a reaction")
    assert card.locator(".reactions > button").count() == 0  # no reaction yet: no buttons
    add.focus()
    page.keyboard.press("Enter")
    picker = card.locator(".react-picker")
    expect(picker).to_be_visible()
    expect(add).to_have_attribute("aria-expanded", "true")
    like = picker.locator("button").first
    expect(like).to_be_focused()
    expect(like).to_have_accessible_name("Like")  # the names are shown in the picker
    # The icon is drawn by the stylesheet.
    icon = like.evaluate("b => { const s = getComputedStyle(b, '::before'); "
                         "return [s.maskImage || s.webkitMaskImage, s.width]; }")
    assert "reactions/thumbs-up" in icon[0] and icon[1] != "0px", icon
    page.keyboard.press("ArrowRight")
    expect(picker.locator("button").nth(1)).to_be_focused()
    page.keyboard.press("Escape")  # closes, back on "Add a reaction"
    expect(picker).to_have_count(0)
    expect(add).to_be_focused()
    expect(add).to_have_attribute("aria-expanded", "false")

    add.click()
    card.locator(".react-picker button").first.click()
    expect(card.locator(".react-picker")).to_have_count(0)
    expect(card.locator(".reactions > button[name='r']")).to_have_count(1)
    chip = card.locator(".reactions > button[name='r'][value$=' 👍']")
    expect(chip).to_have_attribute("aria-pressed", "true")
    expect(chip).to_be_focused()
    assert chip.locator(".count").inner_text() == "1"
    expect(chip).to_have_accessible_name("Like 1")
    assert chip.locator("span").first.bounding_box()["width"] <= 1  # the chip's name is for screen readers
    # Forced colours (Windows high contrast): the drawn icon takes the system's button text colour,
    # not the pressed state's green, which the mode would otherwise keep on the pseudo-element.
    page.emulate_media(forced_colors="active")
    drawn = chip.evaluate("b => getComputedStyle(b, '::before').backgroundColor")
    assert drawn != "rgb(11, 93, 75)" and drawn not in ("rgba(0, 0, 0, 0)", "transparent"), drawn
    page.emulate_media(forced_colors="none")
    assert chip.get_attribute("title") == "Lina"
    # The picker shows what the reader already gave as pressed.
    add.click()
    expect(card.locator(".react-picker button").first).to_have_attribute("aria-pressed", "true")
    card.locator(".react-picker button").nth(3).click()  # "Thinking" comes after "Like"
    expect(card.locator(".reactions > button[name='r']")).to_have_count(2)
    assert [b.get_attribute("value").split(" ")[1] for b in card.locator(".reactions > button[name='r']").all()] \
        == ["👍", "🤔"]
    assert page.evaluate("window.__sameDocument") is True  # no reload
    chip.click()  # taken back: the chip goes, focus to "Add a reaction"
    expect(card.locator(".reactions > button[name='r']")).to_have_count(1)
    expect(add).to_be_focused()
    assert page.evaluate("window.__sameDocument") is True
    assert list(root.reactions.values_list("emoji", flat=True)) == ["🤔"]


def test_the_picker_closes_on_a_click_elsewhere_and_follows_the_reading_direction(live_server, new_page,
                                                                                   long_thread):
    page = new_page(locale="ar-SY")
    login(page, email="lina@example.org")
    page.goto(long_thread["thread"].get_absolute_url())
    assert page.locator("html").get_attribute("dir") == "rtl"
    root = long_thread["root"]
    card = page.locator(f"#post-{root.pk}")
    card.locator("a.react-add").click()
    buttons = card.locator(".react-picker button")
    expect(buttons.first).to_be_focused()
    # Right to left, the second choice sits to the left of the first and ArrowLeft reaches it.
    assert buttons.nth(1).bounding_box()["x"] < buttons.first.bounding_box()["x"]
    page.keyboard.press("ArrowLeft")
    expect(buttons.nth(1)).to_be_focused()
    page.locator("h1").click()
    expect(card.locator(".react-picker")).to_have_count(0)
    assert root.reactions.count() == 0


def test_a_reaction_without_javascript_is_picked_on_its_own_page(live_server, browser, long_thread):
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url, locale="en-GB")
    try:
        page = context.new_page()
        login(page, email="lina@example.org")
        page.goto(long_thread["thread"].get_absolute_url())
        root = long_thread["root"]
        page.locator(f"#post-{root.pk} a.react-add").click()
        expect(page.locator("h1")).to_have_text("Add a reaction")
        page.get_by_role("button", name="Love").click()
        page.wait_for_load_state("networkidle")
        chip = page.locator(f"#post-{root.pk} .reactions > button[name='r']")
        expect(chip).to_have_count(1)
        assert chip.get_attribute("aria-pressed") == "true" and chip.get_attribute("value") == f"{root.pk} ❤️"
        assert page.url.endswith(f"#post-{root.pk}")
        chip.click()  # the chip itself takes it back, still without JavaScript
        page.wait_for_load_state("networkidle")
        expect(page.locator(f"#post-{root.pk} .reactions > button[name='r']")).to_have_count(0)
        assert root.reactions.count() == 0
    finally:
        context.close()


def test_the_keyboard_reaches_the_reply_box_of_a_nine_post_thread_in_few_presses(live_server, new_page,
                                                                                 long_thread):
    page = new_page()
    login(page, email="lina@example.org")
    page.goto(long_thread["thread"].get_absolute_url())
    assert page.locator("article.post").count() == 9
    presses = 0
    while presses < 15:
        page.keyboard.press("Tab")
        presses += 1
        if page.evaluate("document.activeElement.textContent.trim()") == "Skip to the reply form":
            page.keyboard.press("Enter")
            presses += 1
            break
    assert page.evaluate("document.activeElement.name") == "source", presses
    assert presses <= 15
    # Per post, the rarer actions (who reacted, edit, delete, flag) are one "More actions" stop.
    stops = page.evaluate("""(() => {
        const post = document.querySelectorAll('article.post')[1];
        return [...post.querySelectorAll('a[href], button, summary')]
          .filter((el) => el.offsetParent !== null).length; })()""")
    assert page.locator("article.post").nth(1).locator(".post-actions > details > summary").count() == 1
    assert stops <= 12


def test_the_sessions_table_becomes_cards_on_a_phone(live_server, new_page, make_user):
    make_user(email="rim@example.org", display_name="ريم العلي")
    page = new_page(locale="ar")
    page.set_viewport_size(PHONE)
    login(page, email="rim@example.org")
    page.goto("/accounts/sessions/")
    row = page.locator("main table tbody tr").first
    assert row.evaluate("(el) => getComputedStyle(el).display") == "block"
    assert page.locator("main table thead").evaluate("(el) => el.getBoundingClientRect().height") <= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_show_new_replies_scrolls_the_new_post_into_view_and_counts_it(live_server, new_page, make_user,
                                                                       long_thread):
    """The new post lands at the end of the thread, far below a phone's screen."""
    thread = long_thread["thread"]
    reader = new_page()
    reader.set_viewport_size(PHONE)
    login(reader, email="lina@example.org")
    reader.goto(thread.get_absolute_url())
    reader.locator(".post-list[data-live=connected]").wait_for(state="attached")
    assert reader.locator("[data-reply-count]").inner_text() == "8 replies"

    omar = make_user(display_name="Omar", email="omar@example.org")
    writer = new_page()
    login(writer, email=omar.email)
    writer.goto(thread.get_absolute_url())
    writer.fill("textarea[name=source]", "Omar's new answer about the pumps.")
    writer.locator("[data-reply-form] button[type=submit]:not([name=preview])").click()
    writer.wait_for_load_state("networkidle")
    reply = thread.posts.order_by("-id").first()
    assert reply.author_id == omar.pk
    reader.evaluate("window.scrollTo(0, 0)")
    banner = reader.locator(".live-banner-button")
    banner.wait_for(state="visible")
    banner.click()
    inserted = reader.locator(f"#post-{reply.pk}")
    inserted.wait_for(state="attached")
    expect(reader.locator("[data-reply-count]")).to_have_text("9 replies")
    box = inserted.bounding_box()
    assert box["y"] < PHONE["height"] and box["y"] + min(box["height"], 100) > 0  # on screen


def test_arabic_dates_stay_on_one_line_with_the_arabic_comma(live_server, new_page, long_thread):
    page = new_page(locale="ar")
    page.set_viewport_size(PHONE)
    login(page, email="lina@example.org")
    page.goto(long_thread["thread"].get_absolute_url())
    times = page.locator("article.post time")
    assert times.count() == 9
    for i in range(times.count()):
        time = times.nth(i)
        assert "،" in time.inner_text() and "," not in time.inner_text()
        # One line: every box of the element (bidi runs make several) sits on the same line.
        assert time.evaluate("(el) => new Set([...el.getClientRects()].map((r) => Math.round(r.top))).size") == 1
        assert time.evaluate("(el) => getComputedStyle(el).whiteSpace") == "nowrap"


def test_the_editor_loads_only_when_the_reply_form_is_near_or_used(live_server, new_page, long_thread):
    """Issue #11 §4: a reading visit does not fetch the editor's script; reaching the form does."""
    page = new_page()
    login(page, email="lina@example.org")
    page.set_viewport_size({"width": 1366, "height": 400})
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(long_thread["thread"].get_absolute_url())
    page.wait_for_load_state("networkidle")
    assert not any("/js/editor" in url or "/js/mentions" in url for url in fetched)
    toolbar = page.locator("[data-reply-form] .editor-toolbar")
    expect(toolbar).to_be_hidden()
    page.locator("#id_source").focus()  # the keyboard (or a skip link) reaches the form
    expect(toolbar).to_be_visible()
    assert any("/js/editor" in url for url in fetched) and any("/js/mentions" in url for url in fetched)


def test_reply_under_a_post_brings_the_editor(live_server, new_page, long_thread):
    page = new_page()
    login(page, email="lina@example.org")
    page.set_viewport_size({"width": 1366, "height": 400})
    page.goto(long_thread["thread"].get_absolute_url())
    root = long_thread["root"]
    page.locator(f"#post-{root.pk} a.reply-link").click()
    expect(page.locator(f"#post-{root.pk} + [data-reply-form] .editor-toolbar")).to_be_visible()


def test_a_page_loads_the_scripts_words_from_the_address_of_its_language(live_server, new_page, long_thread):
    """drafts.js and the editor load the catalogue the page names (kept by the browser for a year,
    forum/core/catalogue.py), not /jsi18n/, which answered at one address for every language."""
    page = new_page(locale="ar-SY")
    asked = []
    page.on("request", lambda r: "/jsi18n/" in r.url and asked.append(r.url))
    login(page, email="lina@example.org")
    page.goto(long_thread["thread"].get_absolute_url())
    page.locator("#id_source").focus()  # the editor and the mention suggestions load
    page.wait_for_load_state("networkidle")
    paths = {url.removeprefix(live_server.url) for url in asked}
    assert len(paths) == 1 and re.fullmatch(r"/jsi18n/ar/[0-9a-f]{12}\.js", paths.pop()), asked
    assert page.evaluate("window.django.gettext('Restore draft')") == "استعادة المسودة"
