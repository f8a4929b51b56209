# ruff: noqa: F811
"""A moderator without a second factor, in the real browser: the thread page shows the moderation
tools greyed with a link to enrol, in Arabic, French and English, wide and narrow; enrolling an
authenticator app through allauth's pages brings them back to the thread, tools on.

Set FORUM_SCREENSHOT_DIR to keep the screenshots (thread-<lang>-<width>.png) for a look by eye."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import login
from tests.notifications.factories import make_category, make_thread  # noqa: F401

pytestmark = pytest.mark.browser

NOTE = {
    "en": "Your moderation tools stay off until you set up two-factor authentication.",
    "fr": "Vos outils de modération restent désactivés",
    "ar": "تبقى أدوات الإشراف معطّلة",
}


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("FORUM_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_greyed_tools_read_right_in_every_language_and_width(new_page, make_user, make_thread, language):
    moderator = make_user(role="moderator", email=f"mod-{language}@example.org", preferred_language=language)
    author = make_user(role="member", display_name="ليلى حداد")
    thread = make_thread(author=author, title="مياه الشرب في الريف — accès à l'eau",
                         source="نص **الموضوع** with some Latin words.")
    page = new_page(locale={"ar": "ar", "fr": "fr-FR", "en": "en-GB"}[language])
    login(page, email=moderator.email)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(thread.get_absolute_url())
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        tools = page.locator(".moderation-tools-off")
        assert tools.is_visible() and NOTE[language] in tools.inner_text()
        buttons = tools.locator("button[aria-disabled=true]")
        assert buttons.count() == 3  # pin; lock, move or split under a rule; delete
        link = tools.locator("a")
        assert link.get_attribute("href").startswith("/accounts/2fa/?next=")
        # Nothing spills sideways, and the note sits inside the page at both widths.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        box, note = tools.bounding_box(), page.locator("#moderation-off-note").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
        assert note["y"] >= max(b["y"] for b in (buttons.nth(i).bounding_box() for i in range(3)))
        assert not buttons.first.is_enabled()  # what assistive technology is told, too
        buttons.first.click(force=True)  # and a click does nothing
        assert page.url.endswith(thread.get_absolute_url())
        _screenshot(page, f"thread-{language}-{width}")
    assert page.outside_requests == []


def test_enrolling_from_the_greyed_tools_comes_back_to_the_thread_with_them_on(new_page, make_user, make_thread):
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    moderator = make_user(role="moderator", email="enrol-in-browser@example.org")
    thread = make_thread(author=make_user(role="member"), title="Locks and pins")
    page = new_page()
    login(page, email=moderator.email)
    page.goto(thread.get_absolute_url())
    page.locator(".moderation-tools-off a").click()
    page.wait_for_url("**/accounts/2fa/**")
    page.locator("a[href$='/accounts/2fa/totp/activate/']").click()
    page.wait_for_url("**/reauthenticate/**")  # allauth asks for the password before adding a factor
    page.fill("input[name=password]", "correct-horse-battery")
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url("**/totp/activate/")
    secret = page.locator("#authenticator_secret").input_value()
    counters = list(yield_hotp_counters_from_time())
    page.fill("input[name=code]", format_hotp_value(hotp_value(secret, counters[len(counters) // 2])))
    page.locator("form:has(input[name=code]) [type=submit]").click()
    page.wait_for_url("**/recovery-codes/**")
    page.get_by_role("link", name="Go back to where you were").click()
    page.wait_for_url(f"**{thread.get_absolute_url()}")
    assert page.locator(".moderation-tools-off").count() == 0
    page.get_by_role("button", name="Pin").click()
    page.wait_for_load_state("networkidle")
    thread.refresh_from_db()
    assert thread.pinned
    assert page.outside_requests == []
