"""Template helpers of the live pages."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime

register = template.Library()


@register.filter
def iso_datetime(value):
    """An ISO time of a room frame (`sent_at`, `asked_at`) as an aware datetime in the current time
    zone, for the `date` filter; None stays None."""
    if not value:
        return None
    moment = parse_datetime(value) if isinstance(value, str) else value
    return timezone.localtime(moment) if moment is not None else None
