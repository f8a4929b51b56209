# ruff: noqa: F811
"""The design system in a real Chromium (issue #10 §2): text is drawn with the self-hosted fonts
(Noto Sans Arabic for Arabic as a web font, not a system copy; Latin in the system's font), no page asks
anything of another site, and the living style page passes axe in Arabic and English."""

from __future__ import annotations

import pytest

from tests.browser.test_accessibility import BLOCKING, _axe, axe_page  # noqa: F401 (fixture)
from tests.discussions.factories import give_mfa, make_category, make_thread  # noqa: F401 (fixtures)
from tests.live.factories import make_session  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

ARABIC = "نعمل في حمص على توثيق شهادات المعتقلين"
LATIN = "Nous pouvons aider pour la relecture juridique"


@pytest.fixture
def world(make_user, make_category, make_thread, make_session, give_mfa):
    admin = make_user(role="admin", email="staff@example.org", display_name="ريم العلي")
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    give_mfa(admin)
    category = make_category(name="العدالة الانتقالية", slug="justice")
    thread = make_thread(author=admin, category=category, title="حوار حول الدستور",
                         source=f"{ARABIC}\n\n**{ARABIC}**")
    from forum.discussions import services

    services.post_create(author=make_user(display_name="Léa Khoury"), thread=thread, source=f"{LATIN} **{LATIN}**")
    session = make_session(state="open", title="Séance ouverte")
    return {"admin": admin, "category": category, "thread": thread, "session": session}


def _sign_in(page, user, server) -> None:
    """A session made here: the staff member has a second factor, so the login form would ask a code."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": server.url,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])


def _used_fonts(page, selector: str) -> list[dict]:
    """The fonts Chromium really drew the element's text with (DevTools' "Rendered fonts")."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, selector
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return fonts


@pytest.mark.parametrize("locale", ["en-GB", "ar-SY"])
def test_arabic_and_latin_text_are_drawn_with_the_self_hosted_fonts(new_page, live_server, world, locale):
    page = new_page(locale=locale)
    fonts_loaded = []
    page.on("response", lambda r: "/static/fonts/" in r.url and fonts_loaded.append((r.url, r.status)))
    _sign_in(page, world["admin"], live_server)
    page.goto(world["thread"].get_absolute_url())
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_load_state("networkidle")
    arabic = _used_fonts(page, ".post.depth-0 .post-body p")
    latin = _used_fonts(page, ".post.depth-1 .post-body p")
    # Arabic letters in the web font (spaces and Latin digits may come from the system font).
    most = max(arabic, key=lambda f: f["glyphCount"])
    assert (most["familyName"], most["isCustomFont"]) == ("Noto Sans Arabic", True), arabic
    # Latin text in the system's interface font: no Latin face is downloaded (issue #11 §4 budget).
    assert latin and not any(f["isCustomFont"] for f in latin), latin
    bold = _used_fonts(page, ".post.depth-0 .post-body strong")
    assert max(bold, key=lambda f: f["glyphCount"])["familyName"] == "Noto Sans Arabic"
    assert fonts_loaded and all(status == 200 for _url, status in fonts_loaded)
    assert {url.rsplit("/", 1)[1].split(".")[0] for url, _status in fonts_loaded} == {"noto-sans-arabic-400"}
    assert all(url.endswith(".woff2") for url, _status in fonts_loaded)
    assert page.outside_requests == []


def test_no_page_asks_anything_of_another_site(new_page, live_server, world):
    page = new_page(locale="ar-SY")
    _sign_in(page, world["admin"], live_server)
    every = []
    page.on("request", lambda r: every.append(r.url))
    for url in ("/", "/c/", world["category"].get_absolute_url(), world["thread"].get_absolute_url(), "/live/",
                f"/live/{world['session'].pk}/", "/moderation/", "/notifications/", "/me/settings/", "/style/",
                "/search/?q=حوار", "/organisations/"):
        response = page.goto(url)
        assert response.status == 200, (url, response.status)
        page.wait_for_load_state("networkidle")
    assert page.outside_requests == [], page.outside_requests
    assert any("/static/fonts/" in url for url in every) and any("icons" in url and ".svg" in url for url in every)
    assert page.console_errors == [], page.console_errors


@pytest.mark.parametrize(("language", "locale", "scheme"), [("en", "en-GB", "light"), ("ar", "ar-SY", "light"),
                                                       ("ar", "ar-SY", "dark"), ("fr", "fr-FR", "dark")])
def test_the_style_page_has_no_serious_axe_violation(axe_page, live_server, world, language, locale, scheme):
    """axe's colour-contrast rule runs on every component of the style page, in dark mode too."""
    axe = _axe()
    world["admin"].preferred_language = language
    world["admin"].save(update_fields=["preferred_language"])
    page = axe_page(locale=locale, color_scheme=scheme)
    _sign_in(page, world["admin"], live_server)
    assert page.goto("/style/").status == 200
    page.wait_for_load_state("networkidle")
    response = axe.run(page).response
    blocking = [f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes'][:3]]}" for v in response["violations"]
                if v["impact"] in BLOCKING]
    assert len(response["passes"]) > 20 and blocking == [], blocking
    assert page.outside_requests == []


def _luminance(css_colour: str) -> float:
    """Relative luminance of a computed `rgb(r, g, b)` colour."""
    import re

    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", css_colour)[:3])
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


COLOURS = """(selectors) => selectors.map(s => { const el = document.querySelector(s); if (!el) return null;
  const style = getComputedStyle(el); return [style.color, style.backgroundColor]; })"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_follow_the_readers_colour_scheme(new_page, live_server, world, scheme):
    """Issue #10: a reader whose system is dark gets light text on dark surfaces (page, cards, header,
    inputs) and the same in the other stylesheets (a post's card, the editor); nothing overflows."""
    page = new_page(locale="ar-SY", color_scheme=scheme)
    _sign_in(page, world["admin"], live_server)
    page.goto(world["thread"].get_absolute_url())
    page.wait_for_load_state("networkidle")
    body, post, header, textarea = page.evaluate(COLOURS, ["body", ".post.depth-0", ".site-header", "textarea"])
    page_background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    surfaces = [page_background, post[1], header[1], textarea[1]]
    if scheme == "dark":
        assert all(_luminance(bg) < 0.05 for bg in surfaces), surfaces
        assert _luminance(body[0]) > 0.6 and _luminance(textarea[0]) > 0.6
    else:
        assert _luminance(page_background) > 0.9 and _luminance(post[1]) > 0.9 and _luminance(body[0]) < 0.05
    assert page.evaluate("getComputedStyle(document.documentElement).colorScheme") == "light dark"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
