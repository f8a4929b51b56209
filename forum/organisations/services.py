"""Writes of the organisations app: invitations, memberships, requests to join.

Each function checks permissions first, validates, saves in one transaction, writes an audit
entry, and sends mail only after commit. Rejections raise `PermissionDenied` (who may) or
`ValidationError` keyed by form field (what was wrong), both translated, and change nothing.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from forum.accounts import permissions as policy
from forum.accounts.names import clean_display_name
from forum.audit.services import record
from forum.core import branding, conf

from . import permissions
from .models import Invitation, JoinRequest, Membership, Organisation

TOKEN_SALT = "forum.organisations.invitation"
SESSION_KEY = "organisations_invitation_key"


# --- links and mail ------------------------------------------------------------------------------

def invitation_token(invitation: Invitation) -> str:
    """The signed token of an invitation's link: the key, signed with our salt (tamper-evident).

    No timestamp: the expiry is the invitation's own, so the same invitation always has the same link.
    """
    return signing.Signer(salt=TOKEN_SALT).sign_object({"k": invitation.key})


def absolute_url(path: str) -> str:
    """`path` on this site: FORUM_SITE_URL if set, else the current request's host, else (imports)
    https://<first allowed host> in production and http://localhost:8000 in DEBUG — the same
    fallback as notification emails."""
    base = conf.FORUM_SITE_URL
    if base:
        return base.rstrip("/") + path
    from allauth.core import context

    if context.request is not None:
        return context.request.build_absolute_uri(path)
    hosts = [h for h in settings.ALLOWED_HOSTS if h and not h.startswith(".") and h != "*"]
    if settings.DEBUG or not hosts:
        return "http://localhost:8000" + path
    return f"https://{hosts[0]}{path}"


def invitation_link(invitation: Invitation) -> str:
    return absolute_url(reverse("organisations:invitation_accept", kwargs={"token": invitation_token(invitation)}))


def _send_invitation_mail(invitation: Invitation, link: str) -> None:
    from allauth.account.adapter import get_adapter

    with translation.override(invitation.language or settings.LANGUAGE_CODE):
        context = {
            "invitation": invitation,
            "organisation": invitation.organisation,
            "role": invitation.get_role_display(),
            "link": link,
            "expires_at": invitation.expires_at,
            "access_ends_at": invitation.access_ends_at,
            "site_name": branding.site_name(),
        }
        # render_mail, not send_mail: it needs no request, so imports and admin actions send too.
        get_adapter().render_mail("organisations/email/invitation", invitation.email, context).send()


# --- invitations ---------------------------------------------------------------------------------

def _normalise_email(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("“%(email)s” is not a valid email address.") % {"email": email}},
                              code="invalid_email") from None
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}".lower()


def validate_invitation(*, email: str, role: str, organisation, access_ends_at, name: str) -> str:
    """Shared checks of a new invitation; returns the normalised email. Raises ValidationError."""
    email = _normalise_email(email)
    if role not in Invitation.Role.values:
        raise ValidationError({"role": _("“%(role)s” is not a role. Choose one of: %(roles)s.")
                               % {"role": role, "roles": ", ".join(Invitation.Role.values)}}, code="bad_role")
    if role in permissions.ORGANISATION_ROLES and organisation is None:
        raise ValidationError({"organisation": _("Members and representatives must be invited into an "
                                                 "organisation.")}, code="no_organisation")
    if role == Invitation.Role.OBSERVER:
        if access_ends_at is None:
            raise ValidationError({"access_ends_at": _("Observers need an end date for their access.")},
                                  code="observer_needs_end")
        if access_ends_at <= timezone.now():
            raise ValidationError({"access_ends_at": _("The end of the observer's access must be in the future.")},
                                  code="observer_end_past")
    elif access_ends_at is not None:
        raise ValidationError({"access_ends_at": _("Only observers have an access end date.")},
                              code="end_not_observer")
    if name:
        try:
            clean_display_name(name)
        except ValidationError as exc:
            raise ValidationError({"name": exc.messages}, code="bad_name") from None
    User = get_user_model()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("%(email)s already has an account here.") % {"email": email}},
                              code="has_account")
    if permissions.open_invitations().filter(email__iexact=email).exists():
        raise ValidationError({"email": _("%(email)s already has an open invitation. Revoke it first to send a "
                                          "new one.") % {"email": email}}, code="duplicate_invitation")
    return email


def _retire_expired(email: str) -> None:
    """An expired, unused invitation still holds the one-open-per-email constraint: close it."""
    Invitation.objects.filter(email__iexact=email, used_at__isnull=True, revoked_at__isnull=True,
                              expires_at__lte=timezone.now()).update(revoked_at=timezone.now())


def _invitation_save(*, inviter, email: str, organisation, role: str, access_ends_at, language: str,
                     name: str, send_mail: bool = True) -> Invitation:
    _retire_expired(email)
    invitation = Invitation(
        email=email, name=name, organisation=organisation, role=role, inviter=inviter,
        key=secrets.token_urlsafe(32),
        expires_at=timezone.now() + timedelta(days=conf.FORUM_INVITATION_DAYS),
        access_ends_at=access_ends_at, language=language or "",
    )
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        # Another invitation for this address was created at the same moment.
        raise ValidationError({"email": _("%(email)s already has an open invitation. Revoke it first to send a "
                                          "new one.") % {"email": email}}, code="duplicate_invitation") from None
    if send_mail:
        link = invitation_link(invitation)
        transaction.on_commit(lambda: _send_invitation_mail(invitation, link))
    return invitation


@transaction.atomic
def invitation_create(*, actor, email: str, organisation: Organisation | None, role: str,
                      access_ends_at: datetime | None = None, language: str = "", name: str = "") -> Invitation:
    """Invite `email` into `organisation` with `role`; the email (in `language`) is sent after commit.

    Representatives invite into their own organisation as member or representative, within the
    seat limit; admins invite anyone with any role (observers need `access_ends_at`).
    """
    if organisation is not None:
        # Lock the organisation so two invitations cannot both take its last seat.
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    permissions.check_invite_member(actor, organisation, role)
    email = validate_invitation(email=email, role=role, organisation=organisation,
                                 access_ends_at=access_ends_at, name=name)
    name = clean_display_name(name)[0] if name else ""  # stored as it will be shown (NFKC, spaces collapsed)
    invitation = _invitation_save(inviter=actor, email=email, organisation=organisation, role=role,
                                  access_ends_at=access_ends_at, language=language, name=name)
    record(actor=actor, verb="invitation.create", target=invitation,
           data={"organisation": organisation.pk if organisation else None, "role": role})
    return invitation


@transaction.atomic
def invitation_revoke(*, actor, invitation: Invitation) -> Invitation:
    """Close an open invitation so its link no longer works."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    permissions.check_revoke_invitation(actor, invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record(actor=actor, verb="invitation.revoke", target=invitation)
    return invitation


class InvitationInvalid(Exception):
    """An invitation link that cannot be used; `status` is the HTTP status, `reason` translated."""

    def __init__(self, status: int, reason: str, code: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.code = code


def invitation_state_error(invitation: Invitation | None) -> InvitationInvalid | None:
    """Why this invitation cannot be redeemed now, or None if it can."""
    if invitation is None:
        return InvitationInvalid(410, _("This invitation no longer exists."), "missing")
    if invitation.used_at is not None:
        return InvitationInvalid(410, _("This invitation has already been used. If it was you, sign in "
                                        "with your email address and password."), "used")
    if invitation.revoked_at is not None:
        return InvitationInvalid(410, _("This invitation was withdrawn. Ask the person who invited you for "
                                        "a new one."), "revoked")
    if invitation.is_expired:
        return InvitationInvalid(410, _("This invitation has expired. Ask the person who invited you for a "
                                        "new one."), "expired")
    if invitation.organisation is not None and not invitation.organisation.active:
        return InvitationInvalid(410, _("The organisation this invitation is for is no longer active. Ask the "
                                        "administrators for a new invitation."), "organisation_inactive")
    if invitation.access_ends_at is not None and invitation.access_ends_at <= timezone.now():
        return InvitationInvalid(410, _("The observer access this invitation offered has already ended. Ask "
                                        "the administrators for a new invitation."), "access_ended")
    return None


def invitation_for_token(token: str) -> Invitation:
    """The open invitation a link's token names. Raises InvitationInvalid (400 tampered, 410 closed)."""
    try:
        payload = signing.Signer(salt=TOKEN_SALT).unsign_object(token)
        key = payload["k"]
        if not isinstance(key, str):
            raise TypeError
    except (signing.BadSignature, KeyError, TypeError):
        raise InvitationInvalid(400, _("This invitation link is damaged or incomplete. Copy the whole link "
                                       "from the email and try again."), "tampered") from None
    invitation = Invitation.objects.select_related("organisation").filter(key=key).first()
    error = invitation_state_error(invitation)
    if error is not None:
        raise error
    return invitation


def invitation_lock(*, invitation: Invitation) -> Invitation:
    """Lock the invitation's row until the caller's transaction ends and check it can be redeemed.

    Called before the invited account is created: of several sessions sending the signup form at
    once, one creates the account and the others wait here, then see "already used" (InvitationInvalid)
    instead of colliding on the new account's unique email. Must run inside a transaction."""
    # of=self: PostgreSQL cannot lock the nullable side of the outer join to the organisation.
    locked = (Invitation.objects.select_for_update(of=("self",)).select_related("organisation")
              .filter(pk=invitation.pk).first())
    error = invitation_state_error(locked)
    if error is not None:
        raise error
    return locked


@transaction.atomic
def invitation_redeem(*, invitation: Invitation, user) -> Invitation:
    """`user` (just signed up with the invitation's address) takes up the invitation.

    The user gets the invitation's site role (observers also their access end), language and
    organisation membership; the invitation is marked used. Raises InvitationInvalid when it was
    used, revoked or expired meanwhile.
    """
    invitation = invitation_lock(invitation=invitation)
    if user.email.lower() != invitation.email.lower():
        raise InvitationInvalid(400, _("This invitation was sent to another email address."), "wrong_email")
    User = get_user_model()
    user.role = {Invitation.Role.OBSERVER: User.Role.OBSERVER,
                 Invitation.Role.MODERATOR: User.Role.MODERATOR}.get(invitation.role, User.Role.MEMBER)
    user.access_ends_at = invitation.access_ends_at if invitation.role == Invitation.Role.OBSERVER else None
    if invitation.language and not user.preferred_language:
        user.preferred_language = invitation.language
    user.save(update_fields=["role", "access_ends_at", "preferred_language"])
    if invitation.role in permissions.ORGANISATION_ROLES and invitation.organisation is not None:
        Membership.objects.create(user=user, organisation=invitation.organisation, kind=invitation.role)
    invitation.used_at = timezone.now()
    invitation.used_by = user
    invitation.save(update_fields=["used_at", "used_by"])
    policy.forget(user)
    record(actor=user, verb="invitation.redeem", target=invitation,
           data={"role": invitation.role,
                 "organisation": invitation.organisation_id})
    return invitation


# --- memberships ---------------------------------------------------------------------------------

@transaction.atomic
def membership_remove(*, actor, membership: Membership) -> None:
    """Take a person out of their organisation. Their account stays; they lose its seat and role."""
    membership = (Membership.objects.select_for_update(of=("self",)).select_related("user", "organisation")
                  .get(pk=membership.pk))
    permissions.check_remove_member(actor, membership)
    record(actor=actor, verb="membership.remove", target=membership,
           data={"user": membership.user_id, "organisation": membership.organisation_id, "kind": membership.kind})
    membership.delete()
    policy.forget(membership.user)
    # Categories open to the organisation are closed to them now: open pages check again (the
    # deletion itself is announced by `signals.membership_deleted`, as for removals in the admin).


# --- requests to join ----------------------------------------------------------------------------

def join_requests_enabled() -> bool:
    return bool(conf.FORUM_ALLOW_JOIN_REQUESTS)


@transaction.atomic
def join_request_create(*, email: str, display_name: str, organisation_name: str = "", message: str = "",
                        language: str = "") -> JoinRequest | None:
    """Record an anonymous request to join for an admin to decide on.

    Returns None, creating nothing, when the address already has an account, an open invitation or
    a pending request: the requester sees the same answer either way, so the form does not reveal
    who is a member.
    """
    if not join_requests_enabled():
        raise ValidationError(_("Requests to join are closed. Ask an organisation's representative for an "
                                "invitation."), code="closed")
    email = _normalise_email(email)
    try:
        display_name, _key = clean_display_name(display_name)
    except ValidationError as exc:
        raise ValidationError({"display_name": exc.messages}, code="bad_name") from None
    if len(message) > 1000:
        raise ValidationError({"message": _("The message can be at most 1000 characters long.")}, code="too_long")
    User = get_user_model()
    if (User.objects.filter(email__iexact=email).exists()
            or permissions.open_invitations().filter(email__iexact=email).exists()
            or JoinRequest.objects.filter(email__iexact=email, status=JoinRequest.Status.PENDING).exists()):
        return None
    return JoinRequest.objects.create(email=email, display_name=display_name,
                                      organisation_name=organisation_name.strip()[:200],
                                      message=message.strip(), language=language or "")


def _organisation_for_request(join_request: JoinRequest) -> Organisation | None:
    if join_request.organisation_id:
        return join_request.organisation
    name = join_request.organisation_name.strip()
    if not name:
        return None
    matches = list(Organisation.objects.filter(active=True).filter(name__iexact=name)[:2]) or \
        list(Organisation.objects.filter(active=True).filter(name_ar=name)[:2])
    return matches[0] if len(matches) == 1 else None


@transaction.atomic
def join_request_approve(*, actor, join_request: JoinRequest, organisation: Organisation | None = None,
                         role: str = Invitation.Role.MEMBER) -> Invitation:
    """Approve a pending request: an invitation is created and emailed to the requester."""
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    permissions.check_approve_join_request(actor, join_request)
    organisation = organisation or _organisation_for_request(join_request)
    if organisation is None and role in permissions.ORGANISATION_ROLES:
        raise ValidationError({"organisation": _("Choose the organisation %(email)s joins before approving.")
                               % {"email": join_request.email}}, code="no_organisation")
    invitation = invitation_create(actor=actor, email=join_request.email, organisation=organisation, role=role,
                                   language=join_request.language, name=join_request.display_name)
    join_request.status = JoinRequest.Status.APPROVED
    join_request.organisation = organisation
    join_request.invitation = invitation
    join_request.decided_at = timezone.now()
    join_request.decided_by = actor
    join_request.save(update_fields=["status", "organisation", "invitation", "decided_at", "decided_by"])
    record(actor=actor, verb="join_request.approve", target=join_request,
           data={"invitation": invitation.pk, "organisation": organisation.pk if organisation else None})
    return invitation


@transaction.atomic
def join_request_reject(*, actor, join_request: JoinRequest, reason: str = "") -> JoinRequest:
    """Turn a pending request down. Nothing is sent: the requester is not told (no enumeration)."""
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    permissions.check_approve_join_request(actor, join_request)
    join_request.status = JoinRequest.Status.REJECTED
    join_request.decided_at = timezone.now()
    join_request.decided_by = actor
    join_request.save(update_fields=["status", "decided_at", "decided_by"])
    record(actor=actor, verb="join_request.reject", target=join_request, reason=reason)
    return join_request
