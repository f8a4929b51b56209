"""Live events of the accounts app, sent to a member's own group (`forum.core.realtime.user_group`).

`accounts.access.changed` tells every open socket of the member that what they may see or do has
changed (a sanction applied or lifted, an observer grant added or removed, a new role, removal
from an organisation, the account deleted). Sockets do not trust the event's content: they check access again and close when it is
gone. `accounts.session.ended` closes the sockets opened with one session (sign-out, sessions
ended from the sessions page or the admin). Documented in docs/accounts.md.
"""

from __future__ import annotations

from forum.core.realtime import SESSION_ENDED, session_fingerprint

__all__ = ["ACCESS_CHANGED", "REASONS", "SESSION_ENDED", "access_changed", "session_ended", "session_fingerprint"]

ACCESS_CHANGED = "accounts.access.changed"

REASONS = ("restriction", "observer_grant", "role", "membership", "deleted")


def access_changed(*, user_id: int, reason: str) -> dict:
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    return {"type": ACCESS_CHANGED, "user_id": int(user_id), "reason": reason}


def session_ended(*, user_id: int, session_key: str) -> dict:
    return {"type": SESSION_ENDED, "user_id": int(user_id), "session": session_fingerprint(session_key)}
