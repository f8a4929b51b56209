"""The invitation a visitor opened, as the signup steps see it: the adapter, the signup form and the
invitation views all read it here (none of them imports another, so there is no cycle).

Opening an invitation link puts its key in the session (`services.SESSION_KEY`); these answer
whether it can still be redeemed, why not, and the page that says so.
"""

from __future__ import annotations

from django.shortcuts import render

from . import services
from .models import Invitation


def invitation_in_session(request) -> Invitation | None:
    """The invitation whose link this visitor opened, if it can still be redeemed."""
    key = request.session.get(services.SESSION_KEY) if hasattr(request, "session") else None
    if not key:
        return None
    invitation = Invitation.objects.select_related("organisation").filter(key=key).first()
    if services.invitation_state_error(invitation) is not None:
        return None
    return invitation


def stale_invitation_error(request) -> services.InvitationInvalid | None:
    """Why the invitation this visitor opened can no longer be redeemed (None: none opened, or open)."""
    key = request.session.get(services.SESSION_KEY) if hasattr(request, "session") else None
    if not key:
        return None
    return services.invitation_state_error(Invitation.objects.select_related("organisation").filter(key=key).first())


def invitation_invalid_response(request, error: services.InvitationInvalid, status: int | None = None):
    """The page shown for an invitation link that cannot be used (nothing is created)."""
    return render(request, "organisations/invitation_invalid.html",
                  {"reason": error.reason, "code": error.code}, status=status or error.status)
