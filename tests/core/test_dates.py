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
