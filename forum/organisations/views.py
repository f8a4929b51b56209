"""Organisation pages, inviting and removing members, invitation links, requests to join.

Glue only: selectors read, services write, permissions decide.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forum.accounts.decorators import privileged_required
from forum.core import bidi, ratelimit
from forum.core.availability import TemporarilyUnavailable

from . import permissions, selectors, services
from .forms import InviteForm, JoinRequestForm
from .models import Invitation, Membership, Organisation
from .signup import invitation_invalid_response


@login_required
def directory(request):
    permissions.check_view_directory(request.user)
    organisations = selectors.organisation_directory(viewer=request.user)
    return render(request, "organisations/organisation_list.html", {"organisations": organisations})


def _detail_context(request, organisation, invite_form=None):
    user = request.user
    members = list(selectors.organisation_members(organisation=organisation))
    manages = permissions.manages_organisation(user, organisation)
    removable = set(
        permissions.removable_memberships(user, Membership.objects.filter(organisation=organisation))
        .values_list("pk", flat=True)
    ) if manages else set()
    context = {
        "organisation": organisation,
        "members": [(m, m.pk in removable) for m in members],
        "manages": False,
    }
    if manages:
        try:
            permissions.check_invite_member(user, organisation, Invitation.Role.MEMBER)
            may_invite, invite_refusal = True, ""
        except PermissionDenied as refusal:
            may_invite, invite_refusal = False, str(refusal)
        context.update({
            "manages": True,
            "may_invite": may_invite,
            "invite_refusal": invite_refusal,
            "invite_form": invite_form or InviteForm(initial={"language": get_language()}),
            "open_invitations": selectors.organisation_open_invitations(organisation=organisation, viewer=user),
            "mfa_missing": permissions.mfa_missing(user),
            "seats_taken": permissions.seats_taken(organisation),
        })
    return context


def _organisation_for(request, slug) -> Organisation:
    organisation = get_object_or_404(permissions.with_seats_taken(Organisation.objects.all()), slug=slug)
    permissions.check_view_organisation(request.user, organisation)
    return organisation


def _refused(request, organisation, refusal: PermissionDenied):
    """A refused action answers 403 (not a redirect that looks like success), on the organisation's
    page with the reason; nothing was changed."""
    messages.error(request, str(refusal))
    return render(request, "organisations/organisation_detail.html", _detail_context(request, organisation),
                  status=403)


@login_required
def detail(request, slug):
    organisation = _organisation_for(request, slug)
    return render(request, "organisations/organisation_detail.html", _detail_context(request, organisation))


@privileged_required
@require_POST
def invite(request, slug):
    organisation = _organisation_for(request, slug)
    form = InviteForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                actor=request.user, organisation=organisation, email=form.cleaned_data["email"],
                role=form.cleaned_data["role"], language=form.cleaned_data["language"],
                name=form.cleaned_data["name"])
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as refusal:
            # A message, not a form error: the form is not shown to people who may not invite here.
            messages.error(request, str(refusal))
            status = 403
        else:
            messages.success(request, _("An invitation was sent to %(email)s.") % {"email": invitation.email})
            return redirect(organisation)
    return render(request, "organisations/organisation_detail.html",
                  _detail_context(request, organisation, invite_form=form), status=status)


@privileged_required
@require_http_methods(["GET", "POST"])
def invitation_revoke(request, slug, invitation_id):
    """GET asks to confirm (a page, so it works without JavaScript); POST revokes."""
    organisation = _organisation_for(request, slug)
    invitation = get_object_or_404(Invitation, pk=invitation_id, organisation=organisation)
    try:
        if request.method == "GET":
            permissions.check_revoke_invitation(request.user, invitation)
            return render(request, "organisations/invitation_revoke.html",
                          {"organisation": organisation, "invitation": invitation})
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except PermissionDenied as refusal:
        return _refused(request, organisation, refusal)
    else:
        messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect(organisation)


@privileged_required
@require_http_methods(["GET", "POST"])
def member_remove(request, slug, membership_id):
    """GET asks to confirm (a page, so it works without JavaScript); POST removes."""
    organisation = _organisation_for(request, slug)
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=membership_id,
                                   organisation=organisation)
    try:
        if request.method == "GET":
            permissions.check_remove_member(request.user, membership)
            return render(request, "organisations/member_remove.html",
                          {"organisation": organisation, "membership": membership})
        services.membership_remove(actor=request.user, membership=membership)
    except PermissionDenied as refusal:
        return _refused(request, organisation, refusal)
    else:
        messages.success(request, bidi.sentence(_("%(name)s is no longer a member of %(organisation)s."),
                                                {"name": membership.user.public_name,
                                                 "organisation": organisation.name}))
    return redirect(organisation)


@require_GET
def invitation_accept(request, token):
    """The link from the invitation email: remember the invitation, then open signup with its email."""
    try:
        invitation = services.invitation_for_token(token)
    except services.InvitationInvalid as error:
        return invitation_invalid_response(request, error)
    if request.user.is_authenticated:
        error = services.InvitationInvalid(
            409, _("You are signed in. Sign out first, then open the invitation link again."), "signed_in")
        return invitation_invalid_response(request, error)
    request.session[services.SESSION_KEY] = invitation.key
    # Having the link proves the address, so it is verified when the account is created.
    get_adapter(request).stash_verified_email(request, invitation.email)
    return redirect("account_signup")


@require_http_methods(["GET", "POST"])
def join_request(request):
    if not services.join_requests_enabled():
        return render(request, "organisations/join_request_closed.html", status=404)
    if request.user.is_authenticated:
        return redirect("home")
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Per connection, as signups are: FORUM_RATE_LIMITS["join_request"].
        try:
            within = ratelimit.consume("join_request", key=ratelimit.client_ip(request))
        except TemporarilyUnavailable as error:
            form.add_error(None, str(error))
            return render(request, "organisations/join_request_form.html", {"form": form}, status=503)
        if not within:
            form.add_error(None, _("Too many requests from your connection. Please wait a few minutes and "
                                   "try again."))
            return render(request, "organisations/join_request_form.html", {"form": form}, status=429)
        try:
            services.join_request_create(language=get_language(), **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return redirect("organisations:join_request_sent")
    return render(request, "organisations/join_request_form.html", {"form": form},
                  status=400 if form.is_bound else 200)


@require_GET
def join_request_sent(request):
    return render(request, "organisations/join_request_sent.html")
