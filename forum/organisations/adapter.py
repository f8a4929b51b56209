"""allauth adapter: signup is by invitation only.

Opening an invitation link (`organisations:invitation_accept`) puts the invitation's key in the
session and stashes its email address as verified (the invitation proved it). Only then is the
signup form open; its email is fixed to the invitation's. Saving the user redeems the invitation
in the same transaction: role, observer access end, language and organisation membership.
Without an invitation, signup shows the "closed" page, or sends the visitor to the request-to-join
form when `FORUM_ALLOW_JOIN_REQUESTS` is on. No account is ever created without an invitation.
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django.db import transaction
from django.shortcuts import redirect

from forum.accounts.login_throttle import LoginThrottleMixin

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


class AccountAdapter(LoginThrottleMixin, DefaultAccountAdapter):
    """Signup is by invitation only (see forum.organisations.services); failed sign-ins are
    throttled per IP, per address and IP, and per address (forum.accounts.login_throttle)."""

    def is_open_for_signup(self, request):
        if invitation_in_session(request) is not None:
            return True
        if services.join_requests_enabled():
            raise ImmediateHttpResponse(redirect("organisations:join_request"))
        return False

    def save_user(self, request, user, form, commit=True):
        """Create the invited user and redeem the invitation, together or not at all."""
        from .views import invitation_invalid_response

        invitation = invitation_in_session(request)
        if invitation is None:
            # The invitation was used, revoked or expired between showing the form and sending it.
            key = request.session.get(services.SESSION_KEY)
            stale = Invitation.objects.filter(key=key).first() if key else None
            error = services.invitation_state_error(stale)
            raise ImmediateHttpResponse(invitation_invalid_response(request, error))
        # The address is the invitation's, whatever was posted (the form also refuses another one).
        form.cleaned_data["email"] = invitation.email
        try:
            with transaction.atomic():
                user = super().save_user(request, user, form, commit=False)
                user.display_name = form.cleaned_data["display_name"]
                user.display_name_key = form.cleaned_data["display_name_key"]
                user.save()
                services.invitation_redeem(invitation=invitation, user=user)
        except services.InvitationInvalid as error:
            raise ImmediateHttpResponse(invitation_invalid_response(request, error)) from None
        request.session.pop(services.SESSION_KEY, None)
        return user
