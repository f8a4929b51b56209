"""The base of every socket a member keeps open on a page (thread, lists, notifications badge).

`MemberConsumer` follows the member's access (`forum.core.consumers.FollowingConsumer`): members in
good standing only (a suspended member or an observer whose access ended: 4403), checked again on
`accounts.access.changed` (sanctions, observer grants, roles, organisation membership, account
deletion) and at the next moment access changes by itself (an observer's access end, a sanction
that starts later). Each page's socket adds its own rule in `authorise`.
"""

from __future__ import annotations

from forum.core.consumers import CLOSE_FORBIDDEN, FollowingConsumer

from . import events, permissions, selectors


class MemberConsumer(FollowingConsumer):
    recheck_events = frozenset({events.ACCESS_CHANGED})

    def is_recheck(self, kind: str) -> bool:
        # Any account event (even one this socket does not know yet) means: check again.
        return kind.startswith("accounts.") or super().is_recheck(kind)

    def authorise(self, user) -> int | None:
        self.next_change_at = selectors.next_access_change(user)
        if not permissions.in_good_standing(user):
            return CLOSE_FORBIDDEN
        return None
