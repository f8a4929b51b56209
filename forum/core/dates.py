"""Dates and times as members read them, in the interface language.

- `joined(date_text, time_text)`: "5 Mar 2026, 14:07" with the language's own comma (Arabic "،");
- `short_datetime(value)`: the local date and time in that form (posts, flags, revisions);
- `long_datetime(value)`: with the weekday and the month's full name (a live session's start);
- `since(value)`: how long ago ("40 minutes ago", "il y a 40 minutes", "منذ 40 دقيقة"), with "now"
  for the first minute instead of Django's "0 minutes". Its own unit strings (context "time ago")
  let Arabic write one and two without a figure ("منذ دقيقة", "منذ دقيقتين") and pick each of its
  six plural forms after "منذ".

Pages show the result inside one `<time>` element that does not wrap (site.css), so a date never
breaks across lines.
"""

from datetime import datetime, timedelta

from django.utils import formats, timezone
from django.utils.dates import MONTHS_3
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import npgettext_lazy, pgettext

JUST_NOW = timedelta(minutes=1)

# Translators: the parts of "how long ago" (after "ago" / "il y a" / "منذ"); Arabic: one and two
# without the figure ("دقيقة", "دقيقتين"), 3-10 with the plural ("3 دقائق"), 11+ with the singular.
AGO_UNITS = {
    "year": npgettext_lazy("time ago", "%(num)d year", "%(num)d years", "num"),
    "month": npgettext_lazy("time ago", "%(num)d month", "%(num)d months", "num"),
    "week": npgettext_lazy("time ago", "%(num)d week", "%(num)d weeks", "num"),
    "day": npgettext_lazy("time ago", "%(num)d day", "%(num)d days", "num"),
    "hour": npgettext_lazy("time ago", "%(num)d hour", "%(num)d hours", "num"),
    "minute": npgettext_lazy("time ago", "%(num)d minute", "%(num)d minutes", "num"),
}


def joined(date_text: str, time_text: str) -> str:
    # Translators: a date, then a time of day; Arabic uses its own comma "،".
    return pgettext("date then time", "%(date)s, %(time)s") % {"date": date_text, "time": time_text}


def short_datetime(value: datetime) -> str:
    local = timezone.localtime(value)
    date_text = f"{local.day} {str(MONTHS_3[local.month]).title()} {local.year}"
    return joined(date_text, f"{local.hour:02d}:{local.minute:02d}")


def long_datetime(value: datetime) -> str:
    """"Wednesday 2 December 2026, 12:43" in the interface language (a live session's start)."""
    local = timezone.localtime(value)
    return joined(formats.date_format(local, "l j F Y"), f"{local.hour:02d}:{local.minute:02d}")


def since(value: datetime, now: datetime | None = None) -> str:
    """How long ago `value` was, as a phrase of the interface language ("40 minutes ago"); the two
    largest units ("1 hour, 40 minutes ago"), "now" within the first minute."""
    now = now or timezone.now()
    if now - value < JUST_NOW:
        return _("now")
    # Translators: %(time)s is a duration such as "40 minutes" or "1 hour, 5 minutes".
    return pgettext("time ago", "%(time)s ago") % {"time": timesince(value, now, time_strings=AGO_UNITS)}
