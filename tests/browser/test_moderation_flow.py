# ruff: noqa: F811
"""Moderation in a real browser, in Arabic (right to left): a member flags a post; the moderator's
queue badge counts up live; the moderator hides it under a rule; the author sees why and appeals; a
second moderator overturns it and readers see the post again. And the flag form, the queue and a
hidden post read right in Arabic, French and English, wide and narrow.

Set FORUM_SCREENSHOT_DIR to keep the screenshots (moderation-<page>-<lang>-<width>.png)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.test import Client

from tests.browser.conftest import login
from tests.notifications.factories import make_category, make_thread  # noqa: F401

pytestmark = pytest.mark.browser

LOCALES = {"ar": "ar", "fr": "fr-FR", "en": "en-GB"}


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("FORUM_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _signed_in(new_page, live_server, user, *, language: str):
    """A page signed in as `user` (a moderator with a second factor has no password step to play
    here: the session is made by Django's test client and handed to the browser)."""
    client = Client()
    client.force_login(user)
    page = new_page(locale=LOCALES[language])
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])
    return page


def _moderator(make_user, language: str, n: int = 1):
    from allauth.mfa.models import Authenticator

    user = make_user(role="moderator", email=f"mod{n}-{language}@example.org", preferred_language=language,
                     display_name=f"مشرف {n} {language}")
    Authenticator.objects.create(user=user, type="totp", data={"secret": "unused"})
    return user


def _rule():
    from forum.moderation.models import Rule

    return Rule.objects.create(title_ar="لا هجمات شخصية", title_fr="Pas d'attaques personnelles",
                               title_en="No personal attacks", body_ar="احترم الآخرين.")


def test_flag_hide_appeal_overturn_in_arabic(new_page, live_server, make_user, make_thread):
    from forum.discussions import services as discussions

    rule = _rule()
    author = make_user(role="member", email="author@example.org", preferred_language="ar", display_name="ليلى")
    reader = make_user(role="member", email="reader@example.org", preferred_language="ar", display_name="سامي")
    first, second = _moderator(make_user, "ar", 1), _moderator(make_user, "ar", 2)
    thread = make_thread(author=author, title="مياه الشرب في الريف")
    post = discussions.post_create(author=author, thread=thread, source="رد **حاد** على الجميع")

    moderator_page = _signed_in(new_page, live_server, first, language="ar")
    moderator_page.goto("/c/")
    badge = moderator_page.locator("[data-review-queue-badge]")
    assert badge.is_visible() and badge.locator(".badge").count() == 0
    moderator_page.locator("[data-notification-badge][data-live=connected]").wait_for(state="attached")

    reader_page = new_page(locale="ar")
    login(reader_page, email=reader.email)
    reader_page.goto(thread.get_absolute_url())
    assert reader_page.locator("html").get_attribute("dir") == "rtl"
    reader_page.locator(f"#post-{post.pk} .post-actions > details > summary").click()  # the flag is under "More actions"
    reader_page.locator(f"#post-{post.pk} .flag-link").click()
    reader_page.locator("input[name=reason][value=harassment]").check()
    reader_page.locator(".flag-form [type=submit]").click()
    reader_page.wait_for_load_state("networkidle")
    assert "سيراجع المشرفون بلاغك" in reader_page.locator(".messages").inner_text()

    badge.locator(".badge").wait_for()  # no reload: the socket told the moderator's page
    assert badge.locator(".badge").inner_text() == "1"

    moderator_page.goto("/moderation/")
    moderator_page.locator(".queue-item-link").first.click()
    moderator_page.locator("input[name=kind][value=hide]").check()
    moderator_page.locator("select[name=rule]").select_option(str(rule.pk))
    moderator_page.fill("textarea[name=note]", "يرجى إعادة الصياغة.")
    moderator_page.locator(".action-form [type=submit]").click()
    moderator_page.wait_for_load_state("networkidle")

    reader_page.goto(thread.get_absolute_url())
    card = reader_page.locator(f"#post-{post.pk}")
    assert "لا هجمات شخصية" in card.inner_text() and "حاد" not in card.inner_text()

    author_page = new_page(locale="ar")
    login(author_page, email=author.email)
    author_page.goto(thread.get_absolute_url())
    card = author_page.locator(f"#post-{post.pk}")
    assert "لا هجمات شخصية" in card.inner_text() and "حاد" in card.inner_text()
    author_page.goto("/notifications/")
    author_page.get_by_text(re.compile("أخفى المشرفون مشاركتك")).first.click()
    author_page.fill("textarea[name=statement]", "كنت أقتبس كلام غيري.")
    author_page.locator("form [type=submit]").last.click()
    author_page.wait_for_load_state("networkidle")
    assert "أُرسل طعنك" in author_page.locator(".messages").inner_text()

    second_page = _signed_in(new_page, live_server, second, language="ar")
    second_page.goto("/moderation/")
    second_page.locator(".appeals a").first.click()
    second_page.locator("input[name=outcome][value=overturned]").check()
    second_page.locator("form [type=submit]").last.click()
    second_page.wait_for_load_state("networkidle")

    reader_page.goto(thread.get_absolute_url())
    assert "حاد" in reader_page.locator(f"#post-{post.pk}").inner_text()
    from forum.audit.models import AuditEntry

    verbs = set(AuditEntry.objects.values_list("verb", flat=True))
    assert {"post.hide", "moderation.hide", "appeal.create", "appeal.overturned", "post.unhide"} <= verbs
    for page in (moderator_page, reader_page, author_page, second_page):
        assert page.outside_requests == []


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_flag_form_queue_and_hidden_post_read_right(new_page, live_server, make_user, make_thread, language):
    from forum.discussions import services as discussions
    from forum.moderation import services

    rule = _rule()
    author = make_user(role="member", display_name="ليلى حداد")
    reader = make_user(role="member", email=f"reader-{language}@example.org", preferred_language=language)
    moderator = _moderator(make_user, language)
    thread = make_thread(author=author, title="مياه الشرب في الريف — accès à l'eau")
    shown = discussions.post_create(author=author, thread=thread, source="نص عربي with some Latin words.")
    hidden = discussions.post_create(author=author, thread=thread, source="Another reply, هذا الرد سيُخفى.")
    other = discussions.post_create(author=author, thread=thread, source="Third reply")
    services.flag_create(actor=make_user(role="member"), kind="post", object_id=shown.pk, reason="harassment")
    services.flag_create(actor=make_user(role="member"), kind="post", object_id=shown.pk, reason="spam")
    held = services.flag_create(actor=make_user(role="member"), kind="post", object_id=hidden.pk, reason="endangers")
    services.flag_create(actor=make_user(role="member"), kind="post", object_id=other.pk, reason="other",
                         text="ما زال يكشف مكان شخص — still reveals where someone lives")
    services.item_act(actor=moderator, item=held.item, kind="hide", rule=rule, note="")
    services.flag_create(actor=make_user(role="member"), kind="post", object_id=other.pk, reason="endangers")

    reader_page = new_page(locale=LOCALES[language])
    login(reader_page, email=reader.email)
    moderator_page = _signed_in(new_page, live_server, moderator, language=language)
    author_page = _signed_in(new_page, live_server, author, language=language)
    decision = held.item.actions.get()
    screens = [(reader_page, f"/moderation/flag/post/{shown.pk}/", "flag-form"),
               (moderator_page, "/moderation/", "queue"),
               (moderator_page, f"/moderation/items/{held.item.pk}/", "item"),
               (reader_page, thread.get_absolute_url(), "hidden-post"),
               (author_page, f"/moderation/decisions/{decision.pk}/", "decision"),
               (reader_page, "/moderation/transparency/", "figures")]
    for width in (1366, 390):
        for page, url, name in screens:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(url)
            assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (name, width)
            _screenshot(page, f"moderation-{name}-{language}-{width}")
    title = {"ar": "لا هجمات شخصية", "fr": "Pas d'attaques personnelles", "en": "No personal attacks"}[language]
    reader_page.goto(thread.get_absolute_url())
    assert title in reader_page.locator(f"#post-{hidden.pk}").inner_text()
    assert reader_page.outside_requests == [] and moderator_page.outside_requests == []
    assert author_page.outside_requests == []
