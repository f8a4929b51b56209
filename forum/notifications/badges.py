"""The unread-notification count on members' open pages (the badge): read by `services` (in the
request) and by `outbox` (the live worker). Its own module so that neither imports the other."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model

from forum.core import realtime

from . import permissions
from .models import Notification

EVENT_UNREAD = "notifications.unread"


def unread_counts(user_ids: Iterable[int]) -> dict[int, int]:
    """Unread notifications per member, about what each may see now (`permissions.readable_counts`:
    a fixed number of queries whatever the number of members)."""
    ids = set(user_ids)
    users = list(get_user_model().objects.filter(pk__in=ids)) if ids else []
    counts = dict.fromkeys(ids, 0)
    counts.update(permissions.readable_counts(users, Notification.objects.filter(read_at__isnull=True)))
    return counts


def broadcast_unread_counts(user_ids: Iterable[int]) -> None:
    """Tell each member's open pages their unread count now."""
    for user_id, count in unread_counts(user_ids).items():
        realtime.broadcast(realtime.user_group(user_id), {"type": EVENT_UNREAD, "count": count})
