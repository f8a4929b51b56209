"""Who may see organisations and who may bring people in or take them out.

Every rule comes in two forms that agree (a test walks each pair): a check raising `Http404` when
the user may not know the object exists and `PermissionDenied` with a translated reason otherwise,
and a queryset filter for lists.

Actions of this app (the authorisation matrix walks every one):
- `view_directory`: the list of organisations (full members; observers are not shown it).
- `view_organisation`: one organisation's page with its members.
- `invite_member`: admins invite anyone into any organisation with any role (observers and
  moderators too); a representative invites into their own organisation only, as member or
  representative, within its seat limit (active memberships + open invitations).
- `revoke_invitation`: the organisation's representatives and admins revoke open invitations.
- `remove_member`: a representative of that organisation or an admin; never oneself.
- `manage_organisations`: create, edit, verify organisations (admins).
- `approve_join_request`: decide on requests to join (admins).

Privileged actions (invite, revoke, remove, manage, approve) also pass
`forum.accounts.permissions.check_privileged_action`, the MFA rule.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.accounts import permissions as policy
from forum.core import bidi

from .models import Invitation, Membership

ACTIONS = (
    "view_directory",
    "view_organisation",
    "invite_member",
    "revoke_invitation",
    "remove_member",
    "manage_organisations",
    "approve_join_request",
)

# Roles a representative may give; admins may give every role of Invitation.Role.
REPRESENTATIVE_ROLES = (Invitation.Role.MEMBER, Invitation.Role.REPRESENTATIVE)
# Roles that make someone part of an organisation, so they need one.
ORGANISATION_ROLES = (Invitation.Role.MEMBER, Invitation.Role.REPRESENTATIVE)


def check_privileged(user) -> None:
    """The MFA rule of forum.accounts for privileged actions (admins, moderators, representatives)."""
    policy.check_privileged_action(user)


def mfa_missing(user) -> bool:
    """Queryset forms use this so they agree with check_privileged."""
    return policy.mfa_missing(user)


def _require_full_member(user) -> None:
    policy.require_good_standing(user)
    if policy.is_observer(user):
        raise PermissionDenied(_("Observers do not have access to the organisation directory."))


def _admin_with_powers(user) -> bool:
    """An administrator whose powers are in force (a second factor enrolled): reads included."""
    return policy.is_admin(user) and policy.privileges_active(user)


# --- view_directory / view_organisation ---------------------------------------------------------

def check_view_directory(user) -> None:
    _require_full_member(user)


def check_view_organisation(user, organisation) -> None:
    _require_full_member(user)
    if not organisation.active and not _admin_with_powers(user):
        raise Http404


def visible_organisations(user, qs):
    """Queryset form of check_view_organisation (and of the directory)."""
    if not policy.is_full_member(user):
        return qs.none()
    if _admin_with_powers(user):
        return qs
    return qs.filter(active=True)


def manages_organisation(user, organisation) -> bool:
    """Admins and the organisation's representatives: they see its seats, invitations and member tools.

    Whether each action is then allowed (MFA, seats) is for the checks below to say.
    """
    return policy.in_good_standing(user) and (policy.is_admin(user)
                                              or policy.is_representative(user, organisation.pk))


# --- invite_member ---------------------------------------------------------------------------------

def open_invitations(qs=None):
    """Invitations that can still be redeemed."""
    qs = Invitation.objects.all() if qs is None else qs
    return qs.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


def _active_memberships():
    return Membership.objects.filter(user__is_active=True, user__deleted_at__isnull=True)


def seats_taken(organisation) -> int:
    """Active memberships plus open invitations: what counts against the seat limit.

    Uses the `seats_taken` annotation of `with_seats_taken()` when the row was read with it (pages);
    services re-read the organisation under a lock without it, so they always count afresh.
    """
    annotated = getattr(organisation, "seats_taken", None)
    if annotated is not None:
        return annotated
    members = _active_memberships().filter(organisation=organisation).count()
    return members + open_invitations().filter(organisation=organisation).count()


def _count_of(qs):
    counted = (qs.filter(organisation=OuterRef("pk")).order_by().values("organisation")
               .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_seats_taken(qs):
    """Annotate `seats_taken` (same count as seats_taken()) on an Organisation queryset."""
    return qs.annotate(seats_taken=_count_of(_active_memberships()) + _count_of(open_invitations()))


def check_invite_member(user, organisation, role: str = Invitation.Role.MEMBER) -> None:
    """May `user` invite someone into `organisation` (None: no organisation) with `role`?"""
    policy.require_good_standing(user)
    if role not in Invitation.Role.values:
        raise PermissionDenied(_("“%(role)s” is not a role one can invite to.") % {"role": role})
    if policy.is_admin(user):
        if role in ORGANISATION_ROLES and organisation is None:
            raise PermissionDenied(_("Members and representatives must be invited into an organisation."))
    else:
        if organisation is None or not policy.is_representative(user, organisation.pk):
            raise PermissionDenied(_("Only this organisation's representatives can invite people into it."))
        if role not in REPRESENTATIVE_ROLES:
            raise PermissionDenied(_("Representatives can invite members and representatives only; "
                                     "observers and moderators are invited by an administrator."))
    if organisation is not None:
        if not organisation.active:
            raise PermissionDenied(_("This organisation is inactive; nobody can be invited into it."))
        if seats_taken(organisation) >= organisation.seat_limit:
            raise PermissionDenied(
                _("%(organisation)s has used all of its %(limit)d seats (members and open invitations). "
                  "Revoke an invitation or remove a member first.")
                % {"organisation": bidi.isolate(organisation.name), "limit": organisation.seat_limit})
    check_privileged(user)


def invitable_organisations(user, qs):
    """Queryset form of check_invite_member for the member role: where `user` may invite now."""
    if not policy.in_good_standing(user) or mfa_missing(user):
        return qs.none()
    if policy.is_admin(user):
        qs = qs.filter(active=True)
    elif policy.is_representative(user):
        qs = qs.filter(pk=policy.organisation_id(user), active=True)
    else:
        return qs.none()
    return with_seats_taken(qs).filter(seats_taken__lt=F("seat_limit"))


# --- revoke_invitation ------------------------------------------------------------------------------

def check_revoke_invitation(user, invitation) -> None:
    policy.require_good_standing(user)
    if not policy.is_admin(user):
        if invitation.organisation_id is None or not policy.is_representative(user, invitation.organisation_id):
            raise Http404
    if not invitation.is_open:
        raise PermissionDenied(_("This invitation is no longer open (used, revoked or expired)."))
    check_privileged(user)


def visible_invitations(user, qs):
    """Invitations `user` may see (admins: all; representatives: their organisation's), once they
    have a second factor: the invitees' addresses are not for a stolen password."""
    if not policy.in_good_standing(user) or mfa_missing(user):
        return qs.none()
    if policy.is_admin(user):
        return qs
    if policy.is_representative(user):
        return qs.filter(organisation_id=policy.organisation_id(user))
    return qs.none()


def revocable_invitations(user, qs):
    """Queryset form of check_revoke_invitation."""
    if mfa_missing(user):
        return qs.none()
    return open_invitations(visible_invitations(user, qs))


# --- remove_member ---------------------------------------------------------------------------------

def check_remove_member(user, membership) -> None:
    policy.require_good_standing(user)
    if not (policy.is_admin(user) or policy.is_representative(user, membership.organisation_id)):
        raise PermissionDenied(_("Only this organisation's representatives can remove its members."))
    if membership.user_id == user.pk:
        raise PermissionDenied(_("You cannot remove yourself from your organisation."))
    check_privileged(user)


def removable_memberships(user, qs):
    """Queryset form of check_remove_member."""
    if not policy.in_good_standing(user) or mfa_missing(user):
        return qs.none()
    if policy.is_admin(user):
        return qs.exclude(user_id=user.pk)
    if policy.is_representative(user):
        return qs.filter(organisation_id=policy.organisation_id(user)).exclude(user_id=user.pk)
    return qs.none()


# --- manage_organisations / approve_join_request -------------------------------------------------

def check_manage_organisations(user) -> None:
    policy.require_good_standing(user)
    if not policy.is_admin(user):
        raise PermissionDenied(_("Only administrators can manage organisations."))
    check_privileged(user)


def manageable_organisations(user, qs):
    """Queryset form of check_manage_organisations."""
    if policy.is_admin(user) and policy.in_good_standing(user) and not mfa_missing(user):
        return qs
    return qs.none()


def check_approve_join_request(user, join_request=None) -> None:
    policy.require_good_standing(user)
    if not policy.is_admin(user):
        raise PermissionDenied(_("Only administrators can decide on requests to join."))
    check_privileged(user)
    if join_request is not None and join_request.status != join_request.Status.PENDING:
        raise PermissionDenied(_("This request has already been decided."))


def visible_join_requests(user, qs):
    """Queryset form of check_approve_join_request: pending requests an admin may decide on."""
    if policy.is_admin(user) and policy.in_good_standing(user) and not mfa_missing(user):
        return qs.filter(status="pending")
    return qs.none()


