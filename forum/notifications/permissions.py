"""Who may see and change notifications: each member only their own.

Actions of this app (the authorisation matrix walks every one):
- `view_notification`: see (and open) a notification; only its recipient.
- `mark_notifications_read`: mark one's own notifications read.
- `manage_email_preferences`: choose how often one gets notification email.
Unsubscribing by email link needs no sign-in: the signed token is the authority (see services).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from forum.accounts import permissions as accounts

ACTIONS = ("view_notification", "mark_notifications_read", "manage_email_preferences")


def _require_signed_in(user) -> None:
    if not accounts.is_authenticated(user):
        raise PermissionDenied(_("Please sign in."))


def check_view_notification(user, notification) -> None:
    _require_signed_in(user)
    if notification.recipient_id != user.pk:
        raise Http404  # another member's notifications are not for you to know about


def visible_notifications(user, qs):
    """Queryset form of check_view_notification."""
    if not accounts.is_authenticated(user):
        return qs.none()
    return qs.filter(recipient_id=user.pk)


def check_mark_notifications_read(user) -> None:
    _require_signed_in(user)


def check_manage_email_preferences(user) -> None:
    _require_signed_in(user)
