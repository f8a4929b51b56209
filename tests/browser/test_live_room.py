# ruff: noqa: F811
"""A live session room in real Chromium pages against daphne (issue #8, §8): what one participant
sends appears at the other's; a participant who drops off while three messages are sent shows all
three, in order, once, when back; a question is upvoted and marked answered and everyone sees it; a
moderator turns on slow mode and everyone sees the banner; the room reads right to left in Arabic.
(The client's handling of gaps, repeats, resync and failed sends, case by case: test_live_room_client.py.)"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.conftest import login
from tests.browser.test_accessibility import axe_page  # noqa: F401
from tests.discussions.factories import give_mfa  # noqa: F401
from tests.live.factories import make_session  # noqa: F401

pytestmark = pytest.mark.browser

LOCALES = {"ar": "ar", "fr": "fr-FR", "en": "en-GB"}


def _in_worker(fn, *args, **kwargs):
    """Run `fn` (a service call, or a few) in a worker thread: Playwright keeps an event loop in the
    test's thread, where the services' after-commit broadcast (async_to_sync) may not run."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def run():
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()  # this thread's own connections

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _until(page, expression: str, timeout: float = 10.0) -> None:
    """Wait until the expression is true in the page (polled: the site's CSP forbids the eval that
    `page.wait_for_function` needs)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        page.wait_for_timeout(50)


def _live(page) -> None:
    page.locator("#room[data-live=live]").wait_for(state="attached")


def _enter(page, session, *, email: str | None = None, user=None, server=None) -> None:
    """Sign in (through the login form, or with a session made here for a user with a second
    factor, whose login would ask for a code) and open the room, live."""
    if user is not None:
        from django.test import Client

        client = Client()
        client.force_login(user)
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": server.url,
                                   "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
    else:
        login(page, email=email)
    page.goto(session.get_absolute_url())
    _live(page)


def _send(page, text: str) -> None:
    page.fill("[data-room-composer] textarea", text)
    page.keyboard.press("Enter")


def _texts(page) -> list[str]:
    return page.evaluate("[...document.querySelectorAll('[data-room-messages] [data-message-id] .room-message-body')]"
                         ".map(b => b.textContent.trim())")


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("FORUM_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_a_message_reaches_the_other_and_one_who_was_offline_gets_the_three_missed_in_order_once(
        live_server, new_page, make_user, make_session):
    sara = make_user(display_name="Sara", email="sara-room@example.org")
    lina = make_user(display_name="Lina", email="lina-room@example.org")
    session = make_session(title="Water before winter")
    a, b = new_page(), new_page()
    _enter(a, session, email=sara.email)
    _enter(b, session, email=lina.email)

    _send(a, "Hello from Sara")
    b.locator("[data-room-messages]", has_text="Hello from Sara").wait_for()
    assert "Sara" in b.locator("[data-room-messages] [data-message-id]").last.inner_text()
    _until(a, "document.querySelectorAll('.room-pending-item').length === 0")  # acknowledged

    b.context.set_offline(True)
    b.locator("#room[data-live=offline]").wait_for(state="attached")
    assert "Offline" in b.locator("[data-room-status]").inner_text()
    for text in ("one", "two", "three"):
        _send(a, text)
    _until(a, "document.querySelectorAll('[data-room-messages] [data-message-id]').length === 4")
    _until(a, "document.querySelectorAll('.room-pending-item').length === 0")
    assert _texts(b) == ["Hello from Sara"]  # nothing reached the offline page

    b.context.set_offline(False)
    _live(b)
    _until(b, "document.querySelectorAll('[data-room-messages] [data-message-id]').length >= 4")
    b.wait_for_timeout(1500)  # time for any repeat or late duplicate to show up (none may)
    assert _texts(b) == ["Hello from Sara", "one", "two", "three"]
    assert _texts(a) == _texts(b)
    assert b.locator("[data-room-status]").inner_text() == "Live"
    assert b.locator(".room-notice").inner_text() == "Connection is back."
    seqs = b.evaluate("[...document.querySelectorAll('[data-room-messages] [data-message-id]')]"
                      ".map(li => Number(li.dataset.seq))")
    assert seqs == sorted(seqs) and len(set(seqs)) == 4
    assert a.outside_requests == [] and b.outside_requests == []


def test_a_message_written_offline_is_sent_on_reconnect(live_server, new_page, make_user, make_session):
    sara = make_user(display_name="Sara", email="sara-queue@example.org")
    session = make_session(title="Queue")
    page = new_page()
    _enter(page, session, email=sara.email)
    page.context.set_offline(True)
    page.locator("#room[data-live=offline]").wait_for(state="attached")
    _send(page, "written on the bus")
    assert "Waiting for the connection…" in page.locator(".room-pending-item").inner_text()
    page.context.set_offline(False)
    page.locator("[data-room-messages] [data-message-id]", has_text="written on the bus").wait_for()
    _until(page, "document.querySelectorAll('.room-pending-item').length === 0")
    assert session.messages.filter(source="written on the bus").count() == 1


def test_a_question_upvoted_and_answered_and_slow_mode_are_seen_by_everyone(
        live_server, new_page, make_user, make_session, give_mfa):
    sara = make_user(display_name="Sara", email="sara-qa@example.org")
    lina = make_user(display_name="Lina", email="lina-qa@example.org")
    mona = give_mfa(make_user(display_name="Mona", email="mona-qa@example.org"))
    session = make_session(title="Questions for the ministry", moderators=[mona])
    a, b, m = new_page(), new_page(), new_page()
    _enter(a, session, email=sara.email)
    _enter(b, session, email=lina.email)
    _enter(m, session, user=mona, server=live_server)
    assert a.locator(".room-moderation").count() == 0 and b.locator(".room-moderation").count() == 0
    assert m.locator(".room-moderation").count() == 1

    a.fill("[data-room-ask] textarea", "Who pays for the pumps?")
    a.locator("[data-room-ask] [type=submit]").click()
    question = b.locator("[data-room-questions] [data-question-id]", has_text="Who pays for the pumps?")
    question.wait_for()
    vote = question.locator("button.room-vote")
    assert vote.get_attribute("aria-pressed") == "false"
    vote.click()
    for page in (a, b, m):
        page.locator("[data-room-questions] [data-question-id][data-votes='1']").wait_for(state="attached")
    assert vote.get_attribute("aria-pressed") == "true"
    assert vote.inner_text() == "Voted"
    assert a.locator("[data-room-questions] button.room-vote").get_attribute("aria-pressed") == "false"

    m.locator("[data-room-questions] [data-question-id]").get_by_role("button", name="Mark answered").click()
    for page in (a, b, m):
        page.locator("[data-room-questions] [data-state=answered]", has_text="Answered").wait_for()
    assert question.locator("button.room-vote").is_hidden()  # answered: no more votes

    m.select_option(".room-moderation select[name=seconds]", "30")
    m.fill(".room-moderation [data-mod=slow_mode] input[name=reason]", "Many people want to speak")
    m.get_by_role("button", name="Set slow mode").click()
    # Names and reasons are isolated inside the sentence (U+2068 … U+2069).
    expected = ("Slow mode: one message every 30 seconds per person. Set by \u2068Mona\u2069. "
                "Reason: \u2068Many people want to speak\u2069")
    for page in (a, b, m):
        banner = page.locator("[data-banner=slow-mode]")
        banner.wait_for()
        assert banner.inner_text() == expected
    session.refresh_from_db()
    assert session.slow_mode_seconds == 30

    # Slow mode in action: Sara's second message is refused, politely, and offered again.
    _send(a, "first point")
    a.locator("[data-room-messages] [data-message-id]", has_text="first point").wait_for()
    _send(a, "second point")
    failed = a.locator(".room-pending-item[data-status=failed]")
    failed.wait_for()
    assert "Not sent" in failed.inner_text() and failed.get_by_role("button", name="Retry").count() == 1
    assert a.locator(".room-notice").is_visible()
    for page in (a, b, m):
        assert page.outside_requests == []


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_the_room_reads_right_in_every_language_and_width(live_server, new_page, make_user, make_session,
                                                           give_mfa, language):
    from forum.live import services

    speaker = make_user(display_name="ليلى حداد", email=f"laila-{language}@example.org")
    reader = make_user(display_name="Omar", email=f"omar-{language}@example.org", preferred_language=language)
    session = make_session(title="مياه الشرب في الريف — l'eau potable", moderators=[])
    _in_worker(services.message_send, actor=speaker, session=session, client_id="3f0c1c4e-8d4b-4a51-9d3e-1c1a1e1b1a10",
                          body="نحتاج **مضخات** قبل الشتاء. Pumps first.")
    _in_worker(services.message_send, actor=reader, session=session, client_id="3f0c1c4e-8d4b-4a51-9d3e-1c1a1e1b1a11",
                          body="D'accord : the wells near Idlib come first.")
    _in_worker(services.question_ask, actor=speaker, session=session, client_id="3f0c1c4e-8d4b-4a51-9d3e-1c1a1e1b1a12",
                          body="من يدفع ثمن المضخات؟")
    page = new_page(locale=LOCALES[language])
    _enter(page, session, email=reader.email)
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    assert page.locator("html").get_attribute("lang") == language
    _send(page, {"ar": "شكراً لكم", "fr": "Merci à tous", "en": "Thank you all"}[language])
    page.locator(".room-pending-item").wait_for(state="detached")
    status = page.locator("[data-room-status]").inner_text()
    assert status == {"ar": "مباشر", "fr": "En direct", "en": "Live"}[language]
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(100)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        chat = page.locator("[data-room-chat]")
        questions = page.locator("[data-room-qa]")
        if width == 1366:
            # Side by side: chat first, at the start of the line (the right, in Arabic).
            chat_box, qa_box = chat.bounding_box(), questions.bounding_box()
            assert (chat_box["x"] > qa_box["x"]) == (language == "ar")
            assert page.locator(".room-tabs").is_hidden()
        else:
            # A phone: two tabs, one pane at a time, the keyboard moves between them.
            tabs = page.locator(".room-tabs [role=tab]")
            assert tabs.count() == 2 and chat.is_visible() and questions.is_hidden()
            tabs.first.focus()
            page.keyboard.press("ArrowRight")
            assert questions.is_visible() and chat.is_hidden()
            assert page.evaluate("document.activeElement.getAttribute('aria-selected')") == "true"
            _screenshot(page, f"live-room-{language}-{width}-questions")
            page.keyboard.press("ArrowLeft")
            assert chat.is_visible()
        _screenshot(page, f"live-room-{language}-{width}")
    assert page.outside_requests == [] and page.console_errors == []


def test_the_presenter_view_follows_votes_and_pins(live_server, new_page, make_user, make_session, give_mfa):
    from forum.live import services

    sara = make_user(display_name="Sara", email="sara-present@example.org")
    lina = make_user(display_name="Lina", email="lina-present@example.org")
    mona = give_mfa(make_user(display_name="Mona", email="mona-present@example.org"))
    session = make_session(title="Presented", moderators=[mona])
    _in_worker(services.question_ask, actor=sara, session=session, client_id="6d1c2a57-0a3e-4c55-9a0e-2b7d9b1f0a01",
                          body="Who maintains the wells?")
    _in_worker(services.question_ask, actor=sara, session=session, client_id="6d1c2a57-0a3e-4c55-9a0e-2b7d9b1f0a02",
                          body="When do the pumps arrive?")
    b, m = new_page(), new_page()
    _enter(b, session, email=lina.email)
    _enter(m, session, user=mona, server=live_server)
    screen = b.context.new_page()
    screen.goto(reverse_present(session))
    screen.locator("#presenter[data-live=live]").wait_for(state="attached")
    current = screen.locator("[data-current-question]")
    assert "Who maintains the wells?" in current.inner_text()

    b.locator("[data-question-id]", has_text="When do the pumps arrive?").locator("button.room-vote").click()
    current.locator("blockquote", has_text="When do the pumps arrive?").wait_for()
    assert "Most voted question" in current.inner_text() and "1 vote" in current.inner_text()
    assert "Who maintains the wells?" in screen.locator(".presenter-next").inner_text()

    m.locator("[data-question-id]", has_text="Who maintains the wells?").get_by_role("button", name="Pin").click()
    current.locator("blockquote", has_text="Who maintains the wells?").wait_for()
    assert "Current question" in current.inner_text()
    size = screen.evaluate("parseFloat(getComputedStyle(document.querySelector('.presenter-question')).fontSize)")
    assert size >= 28  # large type, for the room's screen
    _screenshot(screen, "live-present-en-1366")


def reverse_present(session) -> str:
    from django.urls import reverse

    return reverse("live:present", args=[session.pk])


def test_too_far_behind_the_room_reloads_its_history_over_http_and_carries_on(
        live_server, new_page, make_user, make_session, settings):
    """More than FORUM_LIVE_REPLAY_MAX (500) events missed: the socket says `resync`, the page takes
    the latest history from history.json, joins again from its number and shows what comes next."""
    import uuid

    from forum.live import services

    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "live_message": "100000/m"}
    sara = make_user(display_name="Sara", email="sara-resync@example.org")
    lina = make_user(display_name="Lina", email="lina-resync@example.org")
    session = make_session(title="Busy room")
    _in_worker(services.message_send, actor=sara, session=session, client_id=str(uuid.uuid4()), body="before the gap")
    a, b = new_page(), new_page()
    _enter(a, session, email=sara.email)
    _enter(b, session, email=lina.email)
    b.context.set_offline(True)
    b.locator("#room[data-live=offline]").wait_for(state="attached")
    # Someone else floods the room (with Redis the rate counters are shared with the server, and
    # Sara must still be allowed to speak afterwards).
    omar = make_user(display_name="Omar", email="omar-resync@example.org")
    _in_worker(lambda: [services.message_send(actor=omar, session=session, client_id=str(uuid.uuid4()),
                                              body=f"missed {n}") for n in range(1, 511)])
    histories = []
    b.on("request", lambda request: "history.json" in request.url and histories.append(request.url))
    b.context.set_offline(False)
    _live(b)
    b.locator("[data-room-messages] [data-message-id]", has_text="missed 510").wait_for()
    assert len(histories) == 1 and "after=" in histories[0]
    texts = _texts(b)
    assert texts == [f"missed {n}" for n in range(411, 511)]  # the latest page of history, in order
    _send(a, "after the storm")
    b.locator("[data-room-messages] [data-message-id]", has_text="after the storm").wait_for()
    assert _texts(b)[-2:] == ["missed 510", "after the storm"]
    assert b.locator("[data-room-status]").inner_text() == "Live"


@pytest.mark.parametrize(("language", "locale"), [("en", "en-GB"), ("ar", "ar-SY")])
def test_the_live_room_has_no_serious_or_critical_axe_violations(axe_page, live_server, make_user, make_session,
                                                                 give_mfa, language, locale):
    """axe-core on the room once the script has taken over: a member's view and a moderator's, with
    a held question, an unsent message and the slow-mode banner on."""
    import uuid

    from forum.live import services
    from tests.browser.test_accessibility import _axe, _check

    axe = _axe()
    member = make_user(display_name="Lina", email=f"lina-axe-{language}@example.org", preferred_language=language)
    moderator = give_mfa(make_user(display_name="Maha", email=f"maha-axe-{language}@example.org",
                                   preferred_language=language))
    session = make_session(title="مياه الشرب — Wells", moderators=[moderator], questions_held=False,
                           slow_mode_seconds=30)
    _in_worker(services.message_send, actor=member, session=session, client_id=str(uuid.uuid4()), body="نحتاج **مضخات**")
    _in_worker(services.question_ask, actor=member, session=session, client_id=str(uuid.uuid4()), body="Who pays?")
    blocking: list[str] = []
    minor: list[str] = []
    for label, person in (("member", member), ("moderator", moderator)):
        page = axe_page(locale=locale)
        _enter(page, session, user=person, server=live_server)
        page.context.set_offline(True)
        page.locator("#room[data-live=offline]").wait_for(state="attached")
        _send(page, "pas encore envoyé")
        _check(axe, page, f"live room ({label}, {language})", blocking, minor)
        assert page.outside_requests == []
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900})
            _screenshot(page, f"live-room-{label}-offline-{language}-{width}")
    assert blocking == [], "\n".join(blocking)


def test_an_author_edits_their_message_by_keyboard_and_everyone_sees_it_edited(
        live_server, new_page, make_user, make_session):
    sara = make_user(display_name="Sara", email="sara-edit@example.org")
    lina = make_user(display_name="Lina", email="lina-edit@example.org")
    session = make_session(title="Edits")
    a, b = new_page(), new_page()
    _enter(a, session, email=sara.email)
    _enter(b, session, email=lina.email)
    _send(a, "Meet at *ten*")
    b.locator("[data-room-messages]", has_text="Meet at ten").wait_for()
    _until(a, "document.querySelectorAll('.room-pending-item').length === 0")
    mine = a.locator("[data-room-messages] [data-message-id]").last
    assert b.locator("[data-room-messages] [data-message-id] [data-action=edit]").count() == 0  # not Lina's

    # Escape cancels: nothing sent, focus back on the Edit button.
    mine.locator("[data-action=edit]").focus()
    a.keyboard.press("Enter")
    editor = mine.locator(".room-edit-form textarea")
    editor.wait_for()
    assert editor.input_value() == "Meet at *ten*"  # the text as written, not as shown
    a.keyboard.press("Escape")
    assert mine.locator(".room-edit-form").count() == 0
    assert a.evaluate("document.activeElement.dataset.action") == "edit"

    a.keyboard.press("Enter")
    editor.wait_for()
    editor.fill("Meet at *eleven*")
    a.keyboard.press("Enter")
    for page in (a, b):
        message = page.locator("[data-room-messages] [data-message-id]").last
        message.locator(".room-message-body", has_text="Meet at eleven").wait_for()
        assert message.locator(".room-message-body em").inner_text() == "eleven"
        assert message.locator(".room-edited").inner_text() == "(edited)"
    assert session.messages.get().source == "Meet at *eleven*"
    # A reload shows it edited too, and the Edit control is still there for its author.
    a.reload()
    _live(a)
    assert a.locator("[data-room-messages] [data-message-id] .room-edited").count() == 1
    assert a.locator("[data-room-messages] [data-message-id] [data-action=edit]").count() == 1
