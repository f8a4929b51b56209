"""Signals this app sends for the apps above it (moderation), which it must not import.

`position_for_review(sender=Position, position=..., reasons=[...], held=bool)`: a position was just
submitted or revised that the moderators must look at — held (`held=True`: nobody but its
organisation's representatives and the category's moderators sees it until approved, see
`services.position_approve`) or saved but caught by a watched word's "flag" (`held=False`). Reasons
are `forum.discussions.signals`' `PREMODERATED_CATEGORY` and `WATCHED_WORD`. Sent inside the
writer's transaction, so the queue's row and the position commit together.
"""

from __future__ import annotations

from django.dispatch import Signal

position_for_review = Signal()
