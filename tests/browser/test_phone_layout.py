"""Phones, in a real Chromium (issue #10 §1): no page of the fixed list scrolls sideways at 360 px
in Arabic, French or English; the header is one compact row with a menu that opens without
JavaScript; the categories table becomes cards."""

import pytest

from tests.browser.conftest import login
from tests.discussions.factories import make_category, make_thread  # noqa: F401  (fixtures)
from tests.live.factories import make_session  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
LONG = "مقترح_طويل_جدا_بلا_مسافات_" * 6  # a long word: must wrap, not widen the page


@pytest.fixture
def world(make_user, make_category, make_thread, make_organisation, make_session):  # noqa: F811
    organisation = make_organisation(name="Organisation des droits et libertés de la société civile")
    rim = make_user(email="rim@example.org", display_name="ريم العلي", organisation=organisation)
    lea = make_user(email="lea@example.org", display_name="Léa Dupont-Moreau", organisation=organisation)
    category = make_category(name="العدالة الانتقالية والمصالحة الوطنية", slug="justice")
    make_category(name="Gouvernance locale et participation citoyenne", slug="gouvernance")
    thread = make_thread(author=rim, category=category, title="خطة التوثيق المشتركة " + LONG,
                         source=f"{LONG}\n\n- بند أول\n- بند ثان\n\n> Le témoin d'abord\n\n"
                                "```\nune_ligne_de_code_tres_longue_qui_ne_doit_pas_elargir_la_page = 1\n```\n\n"
                                "| a | b | c |\n|-|-|-|\n| 1 | 2 | 3 |")
    from forum.discussions import services

    services.post_create(author=lea, thread=thread, source=f"Je réponds à @[ريم العلي] : {LONG}")
    session = make_session(title="جلسة حوار حول " + LONG)
    return {"rim": rim, "lea": lea, "category": category, "thread": thread, "organisation": organisation,
            "session": session}


def pages(w):
    return [
        "/", "/c/", w["category"].get_absolute_url(), w["thread"].get_absolute_url(),
        f"/t/{w['thread'].pk}/reply/",
        "/notifications/", "/notifications/settings/", "/search/?q=%D8%AE%D8%B7%D8%A9",
        f"/me/members/{w['rim'].pk}/", "/me/profile/", "/me/settings/", "/me/data/",
        w["organisation"].get_absolute_url(), "/organisations/",
        "/accounts/password/change/", "/accounts/email/", "/accounts/sessions/", "/accounts/2fa/",
        # Live sessions: the list and a room.
        "/live/", f"/live/{w['session'].pk}/",
    ]


WIDTH = """() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
  wide: [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1
         || el.getBoundingClientRect().left < -1).filter((el) => !el.closest(".skip-link, .visually-hidden")).slice(0, 6).map((el) => el.tagName + "." + el.className)})"""


@pytest.mark.parametrize("locale", ["ar", "fr", "en-GB"])
def test_no_page_scrolls_sideways_at_360_px(live_server, new_page, world, locale):
    world["rim"].preferred_language = locale[:2]
    world["rim"].save(update_fields=["preferred_language"])
    page = new_page(locale=locale)
    page.set_viewport_size(PHONE)
    login(page, email="rim@example.org")
    too_wide = {}
    for url in pages(world):
        response = page.goto(url)
        assert response.status < 400, url
        size = page.evaluate(WIDTH)
        if size["scroll"] > size["inner"]:
            too_wide[url] = size
    assert too_wide == {}, "\n".join(f"{u}: {v}" for u, v in too_wide.items())
    assert page.outside_requests == []


@pytest.mark.parametrize("javascript", [True, False])
def test_the_phone_header_is_one_row_with_a_menu_that_opens_without_javascript(live_server, browser, world,
                                                                                javascript):
    context = browser.new_context(locale="ar", base_url=live_server.url, java_script_enabled=javascript,
                                  viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        login(page, email="rim@example.org")
        page.goto("/c/")
        header = page.locator(".site-header").bounding_box()
        assert header["height"] <= 72, header
        links = page.locator(".site-menu .nav-links")
        assert links.is_hidden()
        page.locator(".site-menu > summary").click()
        assert links.is_visible()
        if javascript:
            page.keyboard.press("Escape")
            assert links.is_hidden()
            assert page.evaluate("document.activeElement.matches('.site-menu > summary')")
            page.locator(".site-menu > summary").click()
        page.locator(".site-menu .nav-links a", has_text="الإشعارات").click()
        page.wait_for_url("**/notifications/")
    finally:
        context.close()


def test_on_a_wide_screen_the_menu_is_simply_shown(live_server, new_page, world):
    page = new_page(locale="fr")
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, email="rim@example.org")
    assert page.locator(".site-menu > summary").is_hidden()
    assert page.locator(".site-menu .nav-links").is_visible()
    assert page.locator(".site-header").bounding_box()["height"] <= 72


def test_categories_become_cards_on_a_phone(live_server, new_page, world):
    page = new_page(locale="fr")
    page.set_viewport_size(PHONE)
    login(page, email="rim@example.org")
    page.goto("/c/")
    row = page.locator(".category-row").first
    box = row.bounding_box()
    assert box["width"] >= 300  # one card across the screen, not four crushed columns
    cells = row.locator("td")
    assert cells.first.evaluate("(td) => getComputedStyle(td).display") != "table-cell"
    # Each figure keeps its label (shown before it).
    label = cells.first.evaluate("(td) => getComputedStyle(td, '::before').content")
    assert cells.first.get_attribute("data-label") in label


def test_each_session_card_keeps_its_labels_apart_from_the_values(live_server, new_page, world):
    """Issue #10 screenshot review: on a phone the sessions page read "الجهازحاسوب (Linux)" — the
    label ran into its value once the page's card rule made each cell a block."""
    page = new_page(locale="ar")
    page.set_viewport_size(PHONE)
    login(page, email="rim@example.org")
    page.goto("/accounts/sessions/")
    cell = page.locator(".sessions-table td[data-label]").first
    gap = cell.evaluate("""(td) => { const s = getComputedStyle(td, '::before');
        return {display: s.display, end: parseFloat(s.marginInlineEnd), width: parseFloat(s.minInlineSize)}; }""")
    assert gap["display"] == "inline-block" and gap["end"] >= 6 and gap["width"] >= 80, gap
