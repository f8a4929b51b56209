"""Personal data the organisations app holds about a person: membership, invitations, join requests.

Registered with `forum.core.personal_data` (see docs/data-rights.md).
"""

from __future__ import annotations

from django.db.models import Q

from forum.core.personal_data import register

from .models import Invitation, JoinRequest, Membership


def export_membership(user) -> list[dict]:
    return [{"organisation": m.organisation.name, "organisation_slug": m.organisation.slug, "kind": m.kind,
             "since": m.created_at.isoformat()}
            for m in Membership.objects.filter(user=user).select_related("organisation")]


def erase_membership(user) -> None:
    """A deleted account frees its seat in the organisation."""
    Membership.objects.filter(user=user).delete()


def _iso(moment):
    return moment.isoformat() if moment else None


def _received(user):
    return Invitation.objects.filter(Q(used_by=user) | Q(email__iexact=user.email))


def export_invitations(user) -> dict:
    """Invitations addressed to the person, and those they sent (with the addresses they typed)."""
    def row(invitation, *, with_email: bool) -> dict:
        data = {"organisation": invitation.organisation.name if invitation.organisation else None,
                "role": invitation.role, "created": _iso(invitation.created_at),
                "expires": _iso(invitation.expires_at), "used": _iso(invitation.used_at),
                "revoked": _iso(invitation.revoked_at)}
        if with_email:
            data["email"] = invitation.email
        return data

    return {
        "received": [row(i, with_email=False) for i in _received(user).select_related("organisation")],
        "sent": [row(i, with_email=True) for i in Invitation.objects.filter(inviter=user)
                 .select_related("organisation")],
    }


def erase_invitations(user) -> None:
    """Invitations to the person go; those they sent stay for the invitees, without the inviter."""
    _received(user).delete()
    Invitation.objects.filter(inviter=user).update(inviter=None)


def export_join_requests(user) -> list[dict]:
    return [{"display_name": r.display_name, "organisation_name": r.organisation_name, "message": r.message,
             "status": r.status, "created": _iso(r.created_at)}
            for r in JoinRequest.objects.filter(email__iexact=user.email)]


def erase_join_requests(user) -> None:
    JoinRequest.objects.filter(email__iexact=user.email).delete()


register("organisation_membership", export=export_membership, erase=erase_membership)
register("organisation_invitations", export=export_invitations, erase=erase_invitations)
register("organisation_join_requests", export=export_join_requests, erase=erase_join_requests)
