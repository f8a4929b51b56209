# ruff: noqa: F811
"""Pre-moderation and watched words in a real browser, in Arabic, French and English, wide and
narrow: the author's post awaiting review (others do not see it), the queue with held items, the
item page's approval, and the administrators' watched-words page. Approving in the browser
publishes the post to the other reader.

Set FORUM_SCREENSHOT_DIR to keep the screenshots (premoderation-<page>-<lang>-<width>.png)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.browser.test_moderation_flow import _moderator, _screenshot, _signed_in
from tests.notifications.factories import make_category, make_thread  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_premoderation_and_watched_words_pages_read_right(new_page, live_server, make_user, make_category,
                                                          language):
    from allauth.mfa.models import Authenticator

    from forum.categories.models import Category
    from forum.discussions import services as discussions
    from forum.discussions.models import Thread
    from forum.live import services as live
    from forum.live.models import LiveSession
    from forum.moderation import services
    from forum.moderation.models import ReviewItem

    moderator = _moderator(make_user, language)
    admin = make_user(role="admin", email=f"admin-{language}@example.org", preferred_language=language)
    Authenticator.objects.create(user=admin, type="totp", data={"secret": "unused"})
    author = make_user(role="member", display_name="ليلى حداد", preferred_language=language)
    reader = make_user(role="member", display_name="Omar", preferred_language=language)
    category = make_category(name="المعتقلون — Détenus")
    thread = discussions.thread_create(author=moderator, category=category, source="أين هم؟ Where are they?",
                                       title="مياه الشرب في الريف — accès à l'eau")
    Category.objects.filter(pk=category.pk).update(premoderate=True)
    held = discussions.post_create(author=author, thread=Thread.objects.get(pk=thread.pk),
                                   source="نص عربي ينتظر المراجعة, with some Latin words.")
    session = LiveSession.objects.create(title="جلسة حوار — Dialogue", questions_held=True, state="open",
                                         starts_at=thread.created_at - timedelta(minutes=10),
                                         ends_at=thread.created_at + timedelta(hours=2), opened_at=thread.created_at)
    session.moderators.add(moderator)
    live.question_ask(actor=reader, session=session, client_id=str(uuid.uuid4()), body="سؤال محجوز؟ A held question?")
    for text, kind, action in (("مؤامرة", "word", "block"), (r"\d{3}-\d{4}", "pattern", "hold"),
                               ("rumour", "word", "flag")):
        services.word_save(actor=admin, text=text, kind=kind, action=action)
    item = ReviewItem.objects.get(kind="post", object_id=held.pk)

    author_page = _signed_in(new_page, live_server, author, language=language)
    reader_page = _signed_in(new_page, live_server, reader, language=language)
    moderator_page = _signed_in(new_page, live_server, moderator, language=language)
    admin_page = _signed_in(new_page, live_server, admin, language=language)
    screens = [(author_page, thread.get_absolute_url(), "awaiting-post"),
               (moderator_page, "/moderation/", "queue"),
               (moderator_page, f"/moderation/items/{item.pk}/", "item"),
               (admin_page, "/moderation/words/", "words")]
    for width in (1366, 390):
        for page, url, name in screens:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(url)
            assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (name, width)
            _screenshot(page, f"premoderation-{name}-{language}-{width}")
    assert author_page.locator(f"#post-{held.pk} .post-placeholder").count() == 1
    reader_page.goto(thread.get_absolute_url())
    assert reader_page.locator(f"#post-{held.pk}").count() == 0
    # The moderator approves it in the browser: the reader now reads it.
    moderator_page.goto(f"/moderation/items/{item.pk}/")
    moderator_page.locator("form.approve-form [type=submit]").click()
    moderator_page.wait_for_load_state("networkidle")
    reader_page.goto(thread.get_absolute_url())
    assert "ينتظر المراجعة" in reader_page.locator(f"#post-{held.pk}").inner_text()
    # A refused word on the words page says so in the page's language, nothing added.
    admin_page.goto("/moderation/words/")
    admin_page.fill("input[name=text]", "(a+)+")
    admin_page.check("input[name=kind][value=pattern]")
    admin_page.check("input[name=action][value=block]")
    admin_page.locator("form.word-form [type=submit]").click()
    assert admin_page.locator("form.word-form .errorlist").count() == 1
    _screenshot(admin_page, f"premoderation-words-refused-{language}-390")
    for page in (author_page, reader_page, moderator_page, admin_page):
        assert page.outside_requests == []
    for page in (author_page, reader_page, moderator_page):  # the admin's refused form is a 400, on purpose
        assert page.console_errors == []
