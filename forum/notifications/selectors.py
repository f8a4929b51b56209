"""Reads of the notifications app: a member's list page and unread count."""

from __future__ import annotations

from dataclasses import dataclass, field

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


# Kinds that say "something new happened in a thread you follow": several about one thread read as
# one row ("5 new replies in …"). Replies to the member, mentions and quotes stay one row each.
GROUPED_KINDS = frozenset({Notification.Kind.WATCHED})


@dataclass
class NotificationRow:
    """One row of the list: a notification, or several about one followed thread (newest first)."""

    notifications: list = field(default_factory=list)

    @property
    def newest(self) -> Notification:
        return self.notifications[0]

    @property
    def count(self) -> int:
        return len(self.notifications)

    @property
    def unread(self) -> bool:
        return any(n.read_at is None for n in self.notifications)

    @property
    def target(self) -> Notification:
        """What the row opens: the oldest unread of the group (the first new post), else the newest."""
        unread = [n for n in self.notifications if n.read_at is None]
        return unread[-1] if unread else self.newest


def notification_rows(notifications: list[Notification]) -> list[NotificationRow]:
    """Group a page of notifications (newest first): those of a `GROUPED_KINDS` kind about the same
    thread join the row of the newest one. No query."""
    rows: list[NotificationRow] = []
    by_thread: dict[object, NotificationRow] = {}
    for notification in notifications:
        thread_id = (notification.data or {}).get("thread_id")
        if notification.kind in GROUPED_KINDS and thread_id is not None:
            row = by_thread.get(thread_id)
            if row is not None:
                row.notifications.append(notification)
                continue
            row = by_thread[thread_id] = NotificationRow([notification])
        else:
            row = NotificationRow([notification])
        rows.append(row)
    return rows
