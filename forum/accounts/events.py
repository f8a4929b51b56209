"""Live events of the accounts app, sent to a member's own group (`forum.core.realtime.user_group`).

`accounts.access.changed` tells every open socket of the member that what they may see or do has
changed (a sanction applied or lifted, an observer grant added or removed, a new role, removal
from an organisation, the account deleted). Sockets do not trust the event's content: they check access again and close when it is
gone. Documented in docs/accounts.md.
"""

from __future__ import annotations

ACCESS_CHANGED = "accounts.access.changed"

REASONS = ("restriction", "observer_grant", "role", "membership", "deleted")


def access_changed(*, user_id: int, reason: str) -> dict:
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    return {"type": ACCESS_CHANGED, "user_id": int(user_id), "reason": reason}
