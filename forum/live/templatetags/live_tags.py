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


@register.simple_tag(takes_context=True)
def live_now_count(context) -> int:
    """How many sessions the reader may join are live now (the members' home says so): one query,
    and only on the page that asks."""
    from forum.live.models import LiveSession
    from forum.live.permissions import visible_sessions

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return visible_sessions(user, LiveSession.objects.filter(state=LiveSession.State.OPEN)).count()
