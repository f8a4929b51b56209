"""`ws/consultations/<id>/`: an open consultation page. The thread's socket rules (access checked at
connect, followed after, 4404/4403 before accepting) with the consultation's own group; relays
`consultations.*` events, on which the page fetches its comparison again (docs/consultations.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from forum.core.consumers import CLOSE_NOT_FOUND
from forum.discussions.consumers import ThreadConsumer

from . import events
from .models import Consultation


class ConsultationConsumer(ThreadConsumer):
    def authorise(self, user) -> int | None:
        code = super().authorise(user)
        if code is None and not Consultation.objects.filter(pk=self.thread_id).exists():
            return CLOSE_NOT_FOUND
        return code

    def wanted_groups(self) -> set[str]:
        return {*super().wanted_groups(), events.consultation_group(self.thread_id)}

    def may_forward(self, event: dict[str, Any]) -> bool:
        return str(event.get("type", "")).startswith("consultations.")

    def lost_access_message(self) -> str:
        return _("You can no longer read this consultation.")

    async def accepted(self) -> None:
        """Nothing on connect: the thread's `hello {seq}` is for thread pages, which resume by it;
        this socket relays only the consultation's own (unnumbered) events."""

    async def receive_frame(self, frame: dict[str, Any]) -> None:
        await self.send_error("unknown_type", _("Unknown message type."))
