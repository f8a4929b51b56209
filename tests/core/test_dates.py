"""Dates as members read them: the language's own comma, one unbreakable `<time>`, and "now" for a
fresh notification instead of "0 minutes" (issue #10 §1)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import translation

from forum.core import dates

MOMENT = datetime(2026, 3, 5, 14, 7, tzinfo=UTC)


@pytest.mark.parametrize(("language", "comma"), [("ar", "،"), ("fr", ","), ("en", ",")])
def test_short_datetime_uses_the_language_comma(settings, language, comma):
    settings.TIME_ZONE = "UTC"
    with translation.override(language):
        text = dates.short_datetime(MOMENT)
    assert text.endswith(f"2026{comma} 14:07")
    if language == "ar":
        assert "," not in text


@pytest.mark.parametrize(("language", "expected"), [
    ("ar", "الخميس 5 مارس 2026، 14:07"), ("fr", "jeudi 5 mars 2026, 14:07"), ("en", "Thursday 5 March 2026, 14:07")])
def test_long_datetime_names_the_day_and_month_with_the_language_comma(settings, language, expected):
    settings.TIME_ZONE = "UTC"
    with translation.override(language):
        assert dates.long_datetime(MOMENT) == expected


@pytest.mark.parametrize(("language", "word"), [("ar", "الآن"), ("fr", "à l'instant"), ("en", "now")])
def test_first_minute_reads_now(language, word):
    with translation.override(language):
        assert dates.since(MOMENT, now=MOMENT + timedelta(seconds=59)) == word
        later = dates.since(MOMENT, now=MOMENT + timedelta(minutes=5))
    assert later != word and "5" in later and "0" not in later


@pytest.mark.parametrize(("language", "minutes", "expected"), [
    ("ar", 1, "منذ دقيقة"), ("ar", 2, "منذ دقيقتين"), ("ar", 3, "منذ 3\xa0دقائق"), ("ar", 10, "منذ 10\xa0دقائق"),
    ("ar", 11, "منذ 11\xa0دقيقة"), ("ar", 40, "منذ 40\xa0دقيقة"), ("ar", 60, "منذ ساعة"),
    ("ar", 120, "منذ ساعتين"), ("ar", 60 * 24 * 3, "منذ 3\xa0أيام"), ("ar", 60 * 24 * 2, "منذ يومين"),
    ("fr", 1, "il y a 1\xa0minute"), ("fr", 40, "il y a 40\xa0minutes"), ("fr", 100, "il y a 1\xa0heure, 40\xa0minutes"),
    ("en", 1, "1\xa0minute ago"), ("en", 40, "40\xa0minutes ago"), ("en", 60 * 24 * 3, "3\xa0days ago"),
])
def test_since_says_ago_in_each_language_with_its_plural_forms(language, minutes, expected):
    """Issue #10: "40 دقيقة" read as a duration, not a moment; Arabic counts one and two by the
    noun's own form and takes the plural from three to ten only."""
    with translation.override(language):
        assert dates.since(MOMENT, now=MOMENT + timedelta(minutes=minutes)) == expected


def test_filters_in_templates():
    template = Template("{% load date_tags %}{{ m|short_datetime }}|{{ m|since }}|{{ none|since }}")
    with translation.override("ar"):
        assert template.render(Context({"m": MOMENT, "none": None})).startswith(dates.short_datetime(MOMENT))


@pytest.mark.django_db
def test_fresh_notification_reads_now_in_arabic(client, make_user):
    from forum.notifications.models import Notification

    reader = make_user(preferred_language="ar")
    Notification.objects.create(recipient=reader, kind=Notification.Kind.SYSTEM, url="/", data={"text": "x"})
    client.force_login(reader)
    page = client.get("/notifications/").content.decode()
    assert "الآن</time>" in page
    assert "0 دقيقة" not in page and "0\xa0دقيقة" not in page
