"""What every page's header needs to know about the signed-in member's standing. Each value is
computed only when a template reads it, from the facts the page's own checks usually loaded
already (`permissions.active_restrictions` is cached on the user)."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from . import permissions


def standing(request):
    """`account_in_good_standing`: false for a suspended or banned member, or an observer whose access
    ended (the header then offers only their own account pages and the standing page);
    `account_warnings`: warnings not acknowledged yet, shown as a notice until read;
    `account_reads_audit_log`: administrators and global moderators get a link to the audit log."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"account_in_good_standing": True, "account_warnings": (), "account_reads_audit_log": False}
    return {
        "account_in_good_standing": SimpleLazyObject(lambda: permissions.in_good_standing(user)),
        "account_warnings": SimpleLazyObject(lambda: permissions.unseen_warnings(user)),
        "account_reads_audit_log": permissions.is_global_moderator(user),
    }

