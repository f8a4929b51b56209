"""allauth adapter: signup is by invitation only.

Opening an invitation link (`organisations:invitation_accept`) puts the invitation's key in the
session and stashes its email address as verified (the invitation proved it). Only then is the
signup form open; its email is fixed to the invitation's. Saving the user redeems the invitation
in the same transaction: role, observer access end, language and organisation membership.
Without an invitation, signup shows the "closed" page, or sends the visitor to the request-to-join
form when `FORUM_ALLOW_JOIN_REQUESTS` is on. No account is ever created without an invitation.
"""

from __future__ import annotations

from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from forum.accounts import permissions as accounts_permissions
from forum.accounts.login_throttle import LoginThrottleMixin
from forum.core import branding

from . import services
from .models import Invitation
from .signup import invitation_in_session, invitation_invalid_response, stale_invitation_error


class AccountAdapter(LoginThrottleMixin, DefaultAccountAdapter):
    """Signup is by invitation only (see forum.organisations.services); failed sign-ins are
    throttled per IP, per address and IP, and per address (forum.accounts.login_throttle)."""

    def is_open_for_signup(self, request):
        if invitation_in_session(request) is not None:
            return True
        stale = stale_invitation_error(request)
        if stale is not None:  # this visitor's invitation was used (e.g. from another tab) or closed
            raise ImmediateHttpResponse(invitation_invalid_response(request, stale))
        if services.join_requests_enabled():
            raise ImmediateHttpResponse(redirect("organisations:join_request"))
        return False

    def format_email_subject(self, subject):
        """"[مدنية] …" in an Arabic e-mail, "[Madaniya] …" otherwise: the site's name in the
        language the message is written in (allauth renders it under that language)."""
        return branding.email_subject_prefix() + str(subject)

    def render_mail(self, template_prefix, email, context, headers=None):
        """allauth's messages greet "from {{ current_site.name }}": without the sites framework that
        is the host name; it is the site's name in the message's language instead."""
        site = context.get("current_site")
        if site is not None:
            context = {**context, "current_site": SimpleNamespace(name=branding.site_name(), domain=site.domain)}
        return super().render_mail(template_prefix, email, context, headers=headers)

    def get_login_redirect_url(self, request):
        """A suspended or banned member, or an observer whose access ended, lands on the page saying
        what happened and until when, not on an empty list of categories."""
        if not accounts_permissions.in_good_standing(request.user):
            return reverse("accounts:standing")
        return super().get_login_redirect_url(request)

    def save_user(self, request, user, form, commit=True):
        """Create the invited user and redeem the invitation, together or not at all."""
        invitation = invitation_in_session(request)
        if invitation is None:
            # The invitation was used, revoked or expired between showing the form and sending it.
            error = stale_invitation_error(request) or services.invitation_state_error(None)
            raise ImmediateHttpResponse(invitation_invalid_response(request, error))
        # The address is the invitation's, whatever was posted (the form also refuses another one).
        form.cleaned_data["email"] = invitation.email
        try:
            with transaction.atomic():
                # The invitation first: a second session sending the form at the same moment waits
                # here, then finds it used, instead of failing on the new account's unique email.
                invitation = services.invitation_lock(invitation=invitation)
                user = super().save_user(request, user, form, commit=False)
                user.display_name = form.cleaned_data["display_name"]
                user.display_name_key = form.cleaned_data["display_name_key"]
                user.save()
                services.invitation_redeem(invitation=invitation, user=user)
        except services.InvitationInvalid as error:
            raise ImmediateHttpResponse(invitation_invalid_response(request, error)) from None
        except IntegrityError:
            # The address or the name was taken meanwhile by another way in (nothing was saved):
            # say why as the invitation's own state does, or that the address has an account now.
            stale = Invitation.objects.filter(pk=invitation.pk).first()
            error = services.invitation_state_error(stale) or services.InvitationInvalid(
                409, _("An account with this email address or display name was created meanwhile. Sign in, "
                       "or choose another display name."), "conflict")
            raise ImmediateHttpResponse(invitation_invalid_response(request, error)) from None
        request.session.pop(services.SESSION_KEY, None)
        return user
