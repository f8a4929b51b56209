"""Reads of the notifications app: a member's list page and unread count."""

from __future__ import annotations

from . import permissions
from .models import Notification

PAGE_SIZE = 50


def notifications_for(user, *, before: int | None = None, limit: int = PAGE_SIZE) -> list[Notification]:
    """The member's notifications about what they may see now, newest first, `limit` of them older
    than id `before` (one query, and the subject rules' few: `permissions.visible_notifications`)."""
    qs = permissions.visible_notifications(user, Notification.objects.all()).select_related("actor").order_by("-id")
    if before:
        qs = qs.filter(id__lt=before)
    return list(qs[:limit])


def unread_count(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return permissions.readable_counts([user], Notification.objects.filter(read_at__isnull=True))[user.pk]
