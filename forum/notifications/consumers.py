"""`ws/notifications/`: a member's own live channel (the unread badge).

Members in good standing only (a suspended member or an observer whose access ended: 4403).
Joins the member's user group (`forum.core.realtime.user_group`) and relays the unread count sent
there, e.g. `{"type": "notifications.unread", "count": 3}`, and the badge events apps above
register with `forward_badge_event` (the moderators' review-queue count, `moderation.queue`). Sends the current count on connect, so
a page that was open while offline catches up. The socket follows the member's access
(`forum.accounts.consumers.MemberConsumer`): it closes at once when they are signed out, the
session ends, they are suspended or their observer access ends. Protocol in docs/live-protocol.md.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from forum.accounts.consumers import MemberConsumer
from forum.core.consumers import HubFollowingMixin

from . import selectors
from .services import EVENT_UNREAD

# Event types relayed besides the unread count: other badges of the member's own (an app above adds
# its own type at start-up; the events are sent to the member's user group only).
_BADGE_EVENTS: set[str] = set()


def forward_badge_event(event_type: str) -> None:
    _BADGE_EVENTS.add(event_type)


class NotificationConsumer(HubFollowingMixin, MemberConsumer):
    hub_ordered = False  # the member's own group: its events carry no `seq`
    async def accepted(self) -> None:
        await self.send_count()

    async def send_count(self) -> None:
        count = await database_sync_to_async(selectors.unread_count)(self.scope["user"])
        await self.send_json({"type": EVENT_UNREAD, "count": count})

    def may_forward(self, event: dict[str, Any]) -> bool:
        # Only the badge's own events; anything else sent to the member's group is not for it.
        return event.get("type") == EVENT_UNREAD or event.get("type") in _BADGE_EVENTS

    async def receive_frame(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "count":
            await self.send_count()
            return
        await self.send_error("unknown_type", _("Unknown message type."))
