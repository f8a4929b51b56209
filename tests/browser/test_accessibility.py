# ruff: noqa: F811
"""Automated accessibility checks in the real browser: axe-core (bundled with axe-playwright-python,
injected into the page, no network) on the member's main pages in English and in Arabic, and a
keyboard walk of the thread page (skip link first, a visible focus indicator on every stop)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login
from tests.conftest import require_service
from tests.notifications.factories import make_category, make_reply, make_thread  # noqa: F401

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")


def _axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:  # pragma: no cover - the dev extra installs it
        require_service(False, "axe-playwright-python")
    return Axe()


@pytest.fixture
def axe_page(browser, live_server):
    """axe_page(locale) -> a Page whose context bypasses CSP (axe is injected as a script)."""
    contexts = []

    def make(*, locale: str = "en-GB", color_scheme: str = "light"):
        context = browser.new_context(bypass_csp=True, base_url=live_server.url, locale=locale,
                                      color_scheme=color_scheme)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.outside_requests = []
        page.on("request", lambda request: request.url.startswith(("http://", "https://", "ws://"))
                and not request.url.startswith((live_server.url, live_server.ws_url))
                and page.outside_requests.append(request.url))
        return page

    yield make
    for context in contexts:
        context.close()


def _describe(violation) -> str:
    targets = ", ".join(" ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"])
                        for node in violation["nodes"][:4])
    return f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])} nodes: {targets}): {violation['help']}"


def _check(axe, page, label: str, blocking: list[str], minor: list[str]) -> None:
    response = axe.run(page).response
    assert len(response["passes"]) > 20, (label, "axe did not evaluate the page")
    for violation in response["violations"]:
        line = f"[{label}] {_describe(violation)}"
        (blocking if violation["impact"] in BLOCKING else minor).append(line)


@pytest.fixture
def world(make_user, make_organisation, make_category, make_thread, make_reply):
    def build(language: str):
        organisation = make_organisation(name="Wells of Idlib", name_ar="آبار إدلب")
        viewer = make_user(display_name="Lina", organisation=organisation, preferred_language=language)
        other = make_user(display_name="Omar", preferred_language=language)
        category = make_category(name="Water and sanitation")
        thread = make_thread(author=viewer, category=category, title="Wells before winter",
                             source="The wells near **Idlib** need pumps before winter.")
        root = thread.posts.get(depth=0)
        first = make_reply(author=other, thread=thread, parent=root,
                           source="@Lina agreed, the pumps come first.")
        nested = make_reply(author=viewer, thread=thread, parent=first, source="Solar pumps, then.")
        moderator = make_user(role="moderator", display_name="Maha", preferred_language=language)
        return {"viewer": viewer, "moderator": moderator, "organisation": organisation, "category": category, "thread": thread,
                "root": root, "first": first, "nested": nested}

    return build


@pytest.mark.parametrize(("language", "locale"), [("en", "en-GB"), ("ar", "ar-SY")])
def test_main_pages_have_no_serious_or_critical_axe_violations(axe_page, world, language, locale):
    axe = _axe()
    data = world(language)
    page = axe_page(locale=locale)
    blocking: list[str] = []
    minor: list[str] = []

    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == language
    _check(axe, page, "login", blocking, minor)
    login(page, email=data["viewer"].email, password="not-the-password")  # the form with its errors
    assert page.url.endswith("/accounts/login/")
    _check(axe, page, "login with errors", blocking, minor)

    login(page, email=data["viewer"].email)
    thread = data["thread"]
    pages = [
        ("category list", "/c/"),
        ("category", data["category"].get_absolute_url()),
        ("thread", thread.get_absolute_url()),
        ("reply", f"/t/{thread.pk}/reply/{data['first'].pk}/"),
        ("reactions to add", f"/t/post/{data['first'].pk}/react/"),
        ("profile", f"/me/members/{data['viewer'].pk}/"),
        ("profile edit", "/me/profile/"),
        ("organisations", "/organisations/"),
        ("organisation", data["organisation"].get_absolute_url()),
        ("search", "/search/?q=pumps"),
        ("notifications", "/notifications/"),
        ("mfa", "/accounts/2fa/"),
        ("home", "/"),
        ("account settings", "/me/settings/"),
        ("notification settings", "/notifications/settings/"),
        ("followed threads", "/t/following/"),
        ("sessions", "/accounts/sessions/"),
    ]
    for label, url in pages:
        response = page.goto(url)
        assert response.status == 200, (label, url, response.status)
        page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("lang") == language, label
        _check(axe, page, label, blocking, minor)

    # The thread page really shows the nested reply and search really found something.
    page.goto(thread.get_absolute_url())
    assert page.locator(f"#post-{data['nested'].pk}").count() == 1
    # With a post's reaction picker open (built by the script), and the editor's toolbar built.
    page.locator("#id_source").focus()
    page.wait_for_selector("#reply .editor-toolbar")
    page.locator(f"#post-{data['first'].pk} a.react-add").click()
    page.wait_for_selector(f"#post-{data['first'].pk} .react-picker")
    _check(axe, page, "thread (reaction picker open, editor toolbar)", blocking, minor)
    page.goto("/search/?q=pumps")
    assert page.locator(".search-result").count() >= 1

    # A moderator sees the thread with its moderation controls (no second factor yet: greyed, with
    # the link to enrol, which axe checks too).
    moderator = data["moderator"]
    moderator_page = axe_page(locale=locale)
    login(moderator_page, email=moderator.email)
    moderator_page.goto(thread.get_absolute_url())
    moderator_page.wait_for_load_state("networkidle")
    assert moderator_page.locator(".moderation-tools-off [aria-disabled=true]").count() == 3  # pin, lock/move/split, delete
    _check(axe, moderator_page, "thread (moderator)", blocking, minor)

    assert blocking == [], "\n".join(["Serious/critical:", *blocking, "Moderate/minor:", *minor])
    print("\n".join(minor))
    assert page.outside_requests == [] and moderator_page.outside_requests == []


_FOCUS_STYLE = """el => {
  const s = getComputedStyle(el);
  return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.outlineOffset, s.boxShadow,
          s.textDecorationLine, s.backgroundColor, s.borderColor].join('|');
}"""

# The contrast of an outline focus ring with what it is drawn on (an outline sits outside the element,
# so on the nearest ancestor's background), WCAG 1.4.11: at least 3:1.
_RING_CONTRAST = """el => {
  const s = getComputedStyle(el);
  if (s.outlineStyle === 'none' || parseFloat(s.outlineWidth) === 0) return null;
  const rgba = c => (c.match(/[\\d.]+/g) || []).map(Number);
  let bg = null;
  for (let node = el.parentElement; node; node = node.parentElement) {
    const c = rgba(getComputedStyle(node).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0)) { bg = c; break; }
  }
  bg = bg || [255, 255, 255];
  const lum = c => {
    const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(rgba(s.outlineColor)), lum(bg)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""

_ACTIVE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  return {tag: el.tagName, id: el.id, cls: el.className, text: (el.innerText || el.value || '').slice(0, 40),
          href: el.getAttribute('href')};
}"""


@pytest.mark.parametrize(("language", "locale"), [("en", "en-GB"), ("ar", "ar-SY")])
def test_keyboard_skip_link_then_visible_focus_on_every_stop(new_page, world, language, locale):
    data = world(language)
    page = new_page(locale=locale)
    login(page, email=data["viewer"].email)
    page.goto(data["thread"].get_absolute_url())
    page.wait_for_load_state("networkidle")

    page.keyboard.press("Tab")
    first = page.evaluate(_ACTIVE)
    assert first and "skip-link" in first["cls"] and first["href"] == "#main", first
    box = page.locator(".skip-link").first.bounding_box()  # the thread page adds "skip to the reply form"
    viewport = page.viewport_size
    assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= viewport["width"], box  # on screen
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Walk the first tab stops from the top of the page; each one must look different when focused,
    # and an outline ring must stand out from what it is drawn on.
    page.goto(data["thread"].get_absolute_url())
    page.wait_for_load_state("networkidle")
    without_indicator, faint = [], []
    seen = []
    for _ in range(25):
        page.keyboard.press("Tab")
        info = page.evaluate(_ACTIVE)
        if info is None:
            break
        seen.append(info)
        handle = page.evaluate_handle("document.activeElement")
        focused = handle.evaluate(_FOCUS_STYLE)
        contrast = handle.evaluate(_RING_CONTRAST)
        if contrast is not None and contrast < 3:
            faint.append((info, round(contrast, 2)))
        page.evaluate("document.activeElement.blur()")
        unfocused = handle.evaluate(_FOCUS_STYLE)
        if focused == unfocused:
            without_indicator.append(info)
        handle.evaluate("el => el.focus({focusVisible: true})")
        handle.dispose()
    assert len(seen) >= 10, seen
    assert without_indicator == [], without_indicator
    assert faint == [], faint
