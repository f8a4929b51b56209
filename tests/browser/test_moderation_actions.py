# ruff: noqa: F811
"""The further moderation actions in a real browser: a moderator edits a post for policy through the
form (readers then see "edited by the moderators: <rule>"), and the thread's lock / move / split page
and the sanctions awaiting a second moderator read right in Arabic, French and English, wide and
narrow, with nothing spilling sideways and no request to a third party.

Set FORUM_SCREENSHOT_DIR to keep the screenshots (actions-<page>-<lang>-<width>.png)."""

from __future__ import annotations

import pytest

from tests.browser.test_moderation_flow import _moderator, _rule, _screenshot, _signed_in
from tests.notifications.factories import make_category, make_thread  # noqa: F401

pytestmark = pytest.mark.browser

EDITED = {"ar": "عدّلها المشرفون", "fr": "Modifiée par les modérateurs", "en": "Edited by the moderators"}


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_action_pages_and_an_edited_post_read_right(new_page, live_server, make_user, make_thread, language):
    from forum.accounts.models import Restriction
    from forum.discussions import services as discussions

    _rule()
    author = make_user(role="member", email=f"author-{language}@example.org", preferred_language=language,
                       display_name="ليلى حداد")
    moderator = _moderator(make_user, language, 1)
    other = _moderator(make_user, language, 2)
    thread = make_thread(author=author, title="مياه الشرب في الريف — accès à l'eau")
    post = discussions.post_create(author=author, thread=thread, source="اتصلوا بي على 0999 123 456 — call me")
    discussions.post_create(author=make_user(role="member", display_name="Sami"), thread=thread, parent=post,
                            source="Une réponse en français")
    Restriction.objects.create(user=make_user(role="representative", display_name="ممثّل المنظمة"),
                               kind="suspension", reason="No personal attacks — ردود مسيئة",
                               pending_confirmation=True, created_by=other)
    page = _signed_in(new_page, live_server, moderator, language=language)

    # The edit-for-policy form, through the post card's link, submitted without JavaScript's help.
    page.goto(thread.get_absolute_url())
    # The thread's tools: one way to lock, move or split (under a rule), no rule-free Lock or Move.
    tools = page.locator(".moderation-tools")
    assert tools.locator(f"a[href='/moderation/threads/{thread.pk}/']").count() == 1
    assert tools.locator("input[name=locked]").count() == 0 and tools.locator("a[href$='/move/']").count() == 0
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        _screenshot(page, f"actions-thread-tools-{language}-{width}")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.locator(f"#post-{post.pk} .post-actions > details > summary").click()  # the card's "More" menu holds it
    page.locator(f"#post-{post.pk} .policy-edit-link").click()
    page.wait_for_url(f"**/moderation/posts/{post.pk}/edit/")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        _screenshot(page, f"actions-edit-{language}-{width}")
    page.fill("textarea[name=source]", "اتصلوا بي عبر المنتدى — call me here")
    page.select_option("select[name=rule]", label={"ar": "لا هجمات شخصية", "fr": "Pas d'attaques personnelles",
                                                   "en": "No personal attacks"}[language])
    page.locator(".action-form [type=submit]").click()
    page.wait_for_load_state("networkidle")
    label = page.locator(f"#post-{post.pk} .post-moderator-edit")
    assert EDITED[language] in label.inner_text()
    assert "0999" not in page.content()
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        _screenshot(page, f"actions-edited-post-{language}-{width}")

    # The queue item's action form (ban, scope, links to the further actions), the thread's lock /
    # move / split page and the confirmations page.
    from forum.moderation import services as moderation

    item = moderation.flag_create(actor=make_user(role="member"), kind="post", object_id=post.pk,
                                  reason="endangers").item
    pages = (("item", f"/moderation/items/{item.pk}/"), ("thread", f"/moderation/threads/{thread.pk}/"),
             ("confirmations", "/moderation/confirmations/"))
    for name, url in pages:
        page.goto(url)
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900})
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
            _screenshot(page, f"actions-{name}-{language}-{width}")
    assert page.locator("button[value=confirm]").count() == 1

    # Deleting the thread under a rule from its moderation page, then the page of the deleted thread
    # (only its restoration, under a rule).
    page.goto(f"/moderation/threads/{thread.pk}/")
    page.set_viewport_size({"width": 1366, "height": 900})
    rule_label = {"ar": "لا هجمات شخصية", "fr": "Pas d'attaques personnelles", "en": "No personal attacks"}[language]
    page.locator("#delete select[name=rule]").select_option(label=rule_label)
    page.locator("#delete [type=submit]").click()
    page.wait_for_load_state("networkidle")
    thread.refresh_from_db()
    assert thread.deleted_at is not None
    page.goto(f"/moderation/threads/{thread.pk}/")
    assert page.locator("#restore select[name=rule]").count() == 1 and page.locator("#delete").count() == 0
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        _screenshot(page, f"actions-thread-deleted-{language}-{width}")
    assert page.outside_requests == []
