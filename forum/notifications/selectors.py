"""Reads of the notifications app: a member's list page and unread count."""

from __future__ import annotations

from .models import Notification

PAGE_SIZE = 50


def notifications_for(user, *, before: int | None = None, limit: int = PAGE_SIZE) -> list[Notification]:
    """The member's notifications, newest first, `limit` of them older than id `before` (one query)."""
    qs = Notification.objects.filter(recipient=user).select_related("actor").order_by("-id")
    if before:
        qs = qs.filter(id__lt=before)
    return list(qs[:limit])


def unread_count(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
