"""`ws/notifications/`: a member's own live channel (the unread badge).

Members in good standing only (a suspended member or an observer whose access ended: 4403).
Joins the member's user group (`forum.core.realtime.user_group`) and relays what is sent there,
e.g. `{"type": "notifications.unread", "count": 3}`. Sends the current count on connect, so a
page that was open while offline catches up. Protocol in docs/live-protocol.md.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from forum.accounts import permissions as accounts
from forum.core import realtime
from forum.core.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED, JsonConsumer

from . import selectors
from .services import EVENT_UNREAD


class NotificationConsumer(JsonConsumer):
    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active or user.deleted_at:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await database_sync_to_async(accounts.in_good_standing)(user):
            await self.close(code=CLOSE_FORBIDDEN)  # suspended, or an observer whose access ended
            return
        self.group = realtime.user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_count()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def send_count(self) -> None:
        count = await database_sync_to_async(selectors.unread_count)(self.scope["user"])
        await self.send_json({"type": EVENT_UNREAD, "count": count})

    async def relay_event(self, message: dict[str, Any]) -> None:
        event = message["event"]
        if event.get("type") == EVENT_UNREAD:
            await self.send_json(event)
            return
        # Any other event on the member's own group (a sanction, a lost grant, a deleted account)
        # means access may have changed: check again, and close when it is gone.
        if not await database_sync_to_async(self._still_allowed)():
            await self.send_error("forbidden", _("Your access has changed: please reload the page."))
            await self.close(code=CLOSE_FORBIDDEN)

    def _still_allowed(self) -> bool:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(pk=self.scope["user"].pk).first()
        return user is not None and accounts.in_good_standing(user)

    async def receive_frame(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "count":
            await self.send_count()
            return
        await self.send_error("unknown_type", _("Unknown message type."))
