# ruff: noqa: F811
"""Moderation of a live room in real Chromium pages against daphne, in Arabic (right to left): a
member flags another's chat message from the live client; the moderator's queue badge counts up
live; the moderator hides it under a rule from the queue; it disappears from both participants'
open screens without a reload; its author sees why and appeals; a second moderator restores it (it
comes back on both screens) and the audit log shows it all. And the queue with a chat item and the
room with a hidden message read right in Arabic, French and English, wide and narrow.

Set FORUM_SCREENSHOT_DIR to keep the screenshots (moderation-live-<page>-<lang>-<width>.png)."""

from __future__ import annotations

import uuid

import pytest

from tests.browser.conftest import login
from tests.browser.test_live_room import _enter, _in_worker, _until
from tests.browser.test_moderation_flow import LOCALES, _moderator, _rule, _screenshot, _signed_in
from tests.live.factories import make_session  # noqa: F401

pytestmark = pytest.mark.browser

TEXT = "عنوان بيت فلان في الحي الشرقي"


def _say(session, user, body: str):
    from forum.live import services

    return _in_worker(lambda: services.message_send(actor=user, session=session, client_id=str(uuid.uuid4()),
                                                    body=body)[0])


def _shows(message_id: int, text: str) -> str:
    return (f"(() => {{ const li = document.getElementById('room-message-{message_id}');"
            f" return Boolean(li) && li.textContent.includes({text!r}); }})()")


def test_flag_hide_appeal_restore_a_chat_message_in_arabic(new_page, live_server, make_user, make_session):
    rule = _rule()
    author = make_user(role="member", email="author-live@example.org", preferred_language="ar", display_name="ليلى")
    reader = make_user(role="member", email="reader-live@example.org", preferred_language="ar", display_name="سامي")
    first, second = _moderator(make_user, "ar", 1), _moderator(make_user, "ar", 2)
    session = make_session(title="حوار حول المياه")
    message = _say(session, author, TEXT)

    moderator_page = _signed_in(new_page, live_server, first, language="ar")
    moderator_page.goto("/c/")
    badge = moderator_page.locator("[data-review-queue-badge]")
    assert badge.is_visible() and badge.locator(".badge").count() == 0
    moderator_page.locator("[data-notification-badge][data-live=connected]").wait_for(state="attached")

    author_page = new_page(locale="ar")
    _enter(author_page, session, email=author.email)
    reader_page = new_page(locale="ar")
    _enter(reader_page, session, email=reader.email)
    assert reader_page.locator("html").get_attribute("dir") == "rtl"
    assert author_page.locator(f"#room-message-{message.pk} .room-flag").count() == 0  # not one's own

    # The live client's flag control leads to the flag form, which comes back to the room.
    reader_page.locator(f"#room-message-{message.pk} .room-flag").click()
    reader_page.locator("input[name=reason][value=harassment]").check()
    reader_page.locator(".flag-form [type=submit]").click()
    reader_page.locator("#room[data-live=live]").wait_for(state="attached")
    assert "سيراجع المشرفون بلاغك" in reader_page.locator(".messages").inner_text()

    badge.locator(".badge").wait_for()  # no reload: the socket told the moderator's page
    assert badge.locator(".badge").inner_text() == "1"

    moderator_page.goto("/moderation/")
    item = moderator_page.locator(".queue-item").first
    assert session.title in item.inner_text() and TEXT in item.inner_text()
    item.locator(".queue-item-link").click()
    moderator_page.locator("input[name=kind][value=hide]").check()
    moderator_page.locator("select[name=rule]").select_option(str(rule.pk))
    moderator_page.locator(".action-form [type=submit]").click()
    moderator_page.wait_for_load_state("networkidle")

    for page in (author_page, reader_page):  # both open screens, without a reload
        _until(page, f"!{_shows(message.pk, TEXT)}")

    reader_page.reload()
    reader_page.locator("#room[data-live=live]").wait_for(state="attached")
    hidden = reader_page.locator(f"#room-message-{message.pk}")
    assert "لا هجمات شخصية" in hidden.inner_text() and TEXT not in hidden.inner_text()

    author_page.reload()
    mine = author_page.locator(f"#room-message-{message.pk}")
    assert "لا هجمات شخصية" in mine.inner_text() and TEXT in mine.inner_text()
    mine.locator("a[href*='/moderation/decisions/']").click()
    author_page.fill("textarea[name=statement]", "كنت أنقل خبرًا منشورًا.")
    author_page.locator("form [type=submit]").last.click()
    author_page.wait_for_load_state("networkidle")
    assert "أُرسل طعنك" in author_page.locator(".messages").inner_text()
    author_page.goto(session.get_absolute_url())  # back in the room, live, while the appeal is decided
    author_page.locator("#room[data-live=live]").wait_for(state="attached")

    second_page = _signed_in(new_page, live_server, second, language="ar")
    second_page.goto("/moderation/")
    second_page.locator(".appeals a").first.click()
    second_page.locator("input[name=outcome][value=overturned]").check()
    second_page.locator("form [type=submit]").last.click()
    second_page.wait_for_load_state("networkidle")

    for page in (author_page, reader_page):  # restored: back on both open screens
        _until(page, _shows(message.pk, TEXT))

    second_page.goto("/moderation/audit/")
    log = second_page.locator("main").inner_text()
    assert "live.message.hide" in log and "live.message.restore" in log and "appeal.overturned" in log
    for page in (moderator_page, reader_page, author_page, second_page):
        assert page.outside_requests == []


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_queue_with_a_chat_item_and_room_with_a_hidden_message_read_right(new_page, live_server, make_user,
                                                                          make_session, language):
    from forum.moderation import services

    rule = _rule()
    author = make_user(role="member", display_name="ليلى حداد")
    reader = make_user(role="member", email=f"reader-live-{language}@example.org", preferred_language=language)
    moderator = _moderator(make_user, language)
    session = make_session(title="حوار حول المياه — l'eau dans les camps")
    _say(session, author, "رسالة عادية with some Latin words.")
    hidden = _say(session, author, TEXT + " — and where they sleep")
    flagged = _say(session, author, "A long message that someone flagged, " * 4)
    held = services.flag_create(actor=make_user(role="member"), kind="message", object_id=hidden.pk,
                                reason="harassment")
    _in_worker(services.item_act, actor=moderator, item=held.item, kind="hide", rule=rule)
    services.flag_create(actor=make_user(role="member"), kind="message", object_id=flagged.pk, reason="other",
                         text="يكشف مكان شخص — reveals where someone lives")

    reader_page = new_page(locale=LOCALES[language])
    login(reader_page, email=reader.email)
    moderator_page = _signed_in(new_page, live_server, moderator, language=language)
    author_page = _signed_in(new_page, live_server, author, language=language)
    screens = [(moderator_page, "/moderation/", "queue"),
               (reader_page, session.get_absolute_url(), "room-hidden"),
               (author_page, session.get_absolute_url(), "room-hidden-author")]
    for width in (1366, 390):
        for page, url, name in screens:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(url)
            assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (name, width)
            _screenshot(page, f"moderation-live-{name}-{language}-{width}")
    title = {"ar": "لا هجمات شخصية", "fr": "Pas d'attaques personnelles", "en": "No personal attacks"}[language]
    reader_page.goto(session.get_absolute_url())
    assert title in reader_page.locator(f"#room-message-{hidden.pk}").inner_text()
    assert TEXT not in reader_page.locator(f"#room-message-{hidden.pk}").inner_text()
    for page in (reader_page, moderator_page, author_page):
        assert page.outside_requests == []
