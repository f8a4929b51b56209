# ruff: noqa: F811
"""Consultations in a real browser: two representatives of different organisations submit their
positions through the form while a member watches the comparison page, which updates live (grid,
count, positions, timeline) without a reload. And the comparison page reads right in Arabic, French
and English, wide (1366 px) and narrow (390 px).

Set FORUM_SCREENSHOT_DIR to keep the screenshots (consultation-<lang>-<width>.png)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from tests.consultations.factories import make_representative, organiser  # noqa: F401
from tests.discussions.factories import give_mfa, make_category  # noqa: F401

pytestmark = pytest.mark.browser

LOCALES = {"ar": "ar", "fr": "fr-FR", "en": "en-GB"}


def _signed_in(new_page, live_server, user, *, language: str = "en", width: int = 1366):
    """A page signed in as `user` (representatives have a second factor: the session is made by the
    test client and handed to the browser, as in the moderation browser tests)."""
    client = Client()
    client.force_login(user)
    page = new_page(locale=LOCALES[language])
    page.set_viewport_size({"width": width, "height": 900})
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])
    return page


def _consultation(organiser, category):
    from forum.consultations import services

    return services.consultation_create(actor=organiser, category=category, title="Charter of the missing",
                                        question="Should the federation sign the charter?",
                                        deadline=timezone.now() + timedelta(days=3), sub_questions=["When?"])


def _submit(page, consultation, stance: str, text: str, answer: str) -> None:
    page.goto(f"/consultations/{consultation.pk}/position/")
    page.locator(f"input[name=stance][value={stance}]").check()
    page.fill("textarea[name=source]", text)
    page.fill("textarea[name=answer_1]", answer)
    page.locator("form.position-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def test_two_representatives_submit_and_a_member_sees_the_comparison_update(
        live_server, new_page, make_user, make_organisation, make_representative, organiser, make_category):
    consultation = _consultation(organiser, make_category())
    nahr, sahel = make_organisation(name="Nahr Association"), make_organisation(name="Sahel Network")
    rep_nahr = make_representative(organisation=nahr, display_name="Rep Nahr")
    rep_sahel = make_representative(organisation=sahel, display_name="Rep Sahel")
    member = make_user(role="member", organisation=nahr, display_name="Reader")

    reader = _signed_in(new_page, live_server, member)
    reader.goto(consultation.get_absolute_url())
    reader.locator("#consultation-live[data-socket=connected]").wait_for(state="attached")
    assert "0 of 2 organisations have responded." in reader.locator(".response-count").inner_text()
    reader.evaluate("window.__sameDocument = true")

    first = _signed_in(new_page, live_server, rep_nahr)
    _submit(first, consultation, "in_favour", "Nahr supports the charter.", "At once")
    reader.locator(".position", has_text="Nahr supports the charter.").wait_for()
    assert "1 of 2 organisations have responded." in reader.locator(".response-count").inner_text()
    assert "Nahr Association" in reader.locator(".stance-in_favour.stance-group").inner_text()
    assert "Sahel Network" in reader.locator(".stance-none").inner_text()

    second = _signed_in(new_page, live_server, rep_sahel)
    _submit(second, consultation, "against", "Sahel cannot sign as written.", "Not before a review")
    reader.locator(".position", has_text="Sahel cannot sign as written.").wait_for()
    assert "2 of 2 organisations have responded." in reader.locator(".response-count").inner_text()
    assert "Sahel Network" in reader.locator(".stance-against.stance-group").inner_text()
    assert reader.locator(".consultation-timeline li").count() == 2
    assert reader.locator("[data-consultation-status]").inner_text() == "The positions were updated."

    # A revision arrives the same way, and the filter still works on the updated page (no JavaScript needed).
    first.goto(f"/consultations/{consultation.pk}/position/")
    first.locator("input[name=stance][value=reservations]").check()
    first.fill("textarea[name=source]", "Nahr supports it, with reservations on timing.")
    first.locator("form.position-form button[type=submit]").click()
    first.wait_for_load_state("networkidle")
    reader.locator(".position", has_text="with reservations on timing").wait_for()
    assert reader.evaluate("window.__sameDocument") is True
    reader.locator(".stance-filter a[href='?stance=against']").click()
    reader.wait_for_load_state("networkidle")
    assert reader.locator(".position").count() == 1 and "Sahel" in reader.locator(".position").inner_text()

    for page in (reader, first, second):
        assert page.outside_requests == []


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_the_comparison_reads_right_wide_and_narrow(live_server, new_page, make_user, make_organisation,
                                                    make_representative, organiser, make_category, language):
    from forum.consultations import services

    consultation = _consultation(organiser, make_category())
    texts = [("in_favour", "نؤيد الميثاق ونقترح إضافة فقرة عن حماية الشهود."),
             ("against", "Nous ne pouvons pas signer en l'état : la question des archives manque."),
             ("reservations", "We support it, provided families sit on the board.")]
    names = ["جمعية بناء للتنمية", "Réseau Jasmin pour les droits", "Olive Tree Relief"]
    for (stance, text), name in zip(texts, names, strict=True):
        rep = make_representative(organisation=make_organisation(name=name), preferred_language=language)
        position = services.position_submit(actor=rep, consultation=consultation, stance=stance, source=text,
                                            answers={"1": "2027"})
    make_representative(organisation=make_organisation(name="مركز الحوار المدني"))
    reader = make_user(role="member", preferred_language=language)
    for width in (1366, 390):
        page = _signed_in(new_page, live_server, reader, language=language, width=width)
        page.goto(consultation.get_absolute_url())
        page.locator("#consultation-live[data-socket=connected]").wait_for(state="attached")
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        folder = os.environ.get("FORUM_SCREENSHOT_DIR")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"consultation-{language}-{width}.png"), full_page=True)
        # Nothing wider than the screen: no sideways scrolling on a phone.
        wide = page.evaluate("""() => [...document.querySelectorAll('body, body *')].filter(e =>
            e.scrollWidth > e.clientWidth + 1 && !e.closest('.skip-link, .visually-hidden'))
            .map(e => e.tagName + '.' + e.className + ' ' + e.scrollWidth + '>' + e.clientWidth).slice(0, 12)""")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, wide
        assert page.locator(".position").count() == 3
        assert page.outside_requests == []
    # The last representative's form (revising) and their position's history, narrow.
    page = _signed_in(new_page, live_server, rep, language=language, width=390)
    for name, url in (("form", f"/consultations/{consultation.pk}/position/"),
                      ("history", f"/consultations/{consultation.pk}/positions/{position.pk}/history/")):
        page.goto(url)
        if folder:
            page.screenshot(path=str(Path(folder) / f"consultation-{name}-{language}-390.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url


def _premoderated(make_category):
    from forum.categories.models import Category

    category = make_category()
    Category.objects.filter(pk=category.pk).update(premoderate=True)
    category.refresh_from_db()
    return category


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_a_held_position_reads_as_awaiting_review_to_its_representative(
        live_server, new_page, make_organisation, make_representative, organiser, make_category, language):
    """In a pre-moderated category: the published position of one organisation, and the held one of
    the representative's own, marked "awaiting review" and not counted, wide and narrow."""
    from forum.categories.models import Category
    from forum.consultations import services

    category = make_category()
    consultation = _consultation(organiser, category)
    services.position_submit(actor=make_representative(organisation=make_organisation(name="Olive Tree Relief")),
                             consultation=consultation, stance="in_favour",
                             source="We support it, provided families sit on the board.", answers={"1": "2027"})
    Category.objects.filter(pk=category.pk).update(premoderate=True)
    consultation.thread.category.refresh_from_db()
    rep = make_representative(organisation=make_organisation(name="جمعية بناء للتنمية"), preferred_language=language)
    services.position_submit(actor=rep, consultation=consultation, stance="reservations",
                             source="نؤيد الميثاق مع تحفظات على الجدول الزمني.", answers={"1": "2028"})
    folder = os.environ.get("FORUM_SCREENSHOT_DIR")
    for width in (1366, 390):
        page = _signed_in(new_page, live_server, rep, language=language, width=width)
        page.goto(consultation.get_absolute_url())
        page.locator("#consultation-live[data-socket=connected]").wait_for(state="attached")
        held = page.locator(".position.stance-awaiting")
        assert held.count() == 1 and "نؤيد الميثاق" in held.inner_text()
        assert page.locator(".stance-group.stance-awaiting").count() == 1
        assert page.locator(".response-count").get_attribute("data-responded") == "1"
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"consultation-held-{language}-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.outside_requests == []


def test_a_member_sees_a_held_position_appear_live_once_approved(
        live_server, new_page, make_user, make_organisation, make_representative, organiser, make_category):
    from forum.consultations import services
    from forum.moderation.models import ReviewItem

    consultation = _consultation(organiser, _premoderated(make_category))
    nahr = make_organisation(name="Nahr Association")
    position = services.position_submit(actor=make_representative(organisation=nahr), consultation=consultation,
                                        stance="against", source="Nahr cannot sign as written.", answers={})
    reader = _signed_in(new_page, live_server, make_user(role="member", organisation=make_organisation()))
    reader.goto(consultation.get_absolute_url())
    reader.locator("#consultation-live[data-socket=connected]").wait_for(state="attached")
    assert reader.locator(".position").count() == 0
    assert "Nahr Association" in reader.locator(".stance-none").inner_text()
    item = ReviewItem.objects.get(kind="position", object_id=position.pk)
    # The moderator approves from the queue's item page, in the server (whose socket tells the reader).
    moderator = _signed_in(new_page, live_server, organiser)
    moderator.goto(f"/moderation/items/{item.pk}/")
    moderator.locator("form.approve-form button[type=submit]").click()
    moderator.wait_for_load_state("networkidle")
    reader.locator(".position", has_text="Nahr cannot sign as written.").wait_for()
    assert "Nahr Association" in reader.locator(".stance-against.stance-group").inner_text()
    assert reader.locator(".response-count").get_attribute("data-responded") == "1"
    assert reader.outside_requests == []
