"""Reads the organisation pages need, with their related rows fetched up front."""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Q, Value, When

from . import permissions
from .models import Invitation, Membership, Organisation


def organisation_directory(*, viewer):
    """Organisations `viewer` may see, with their member counts (one query)."""
    qs = permissions.visible_organisations(viewer, Organisation.objects.all())
    return qs.annotate(
        member_count=Count("memberships", filter=Q(memberships__user__is_active=True,
                                                   memberships__user__deleted_at__isnull=True)),
    ).order_by("name")


def organisation_members(*, organisation):
    """Active members of `organisation`, representatives first, then by name."""
    return (
        Membership.objects.filter(organisation=organisation, user__is_active=True, user__deleted_at__isnull=True)
        .select_related("user")
        .annotate(rank=Case(When(kind=Membership.Kind.REPRESENTATIVE, then=Value(0)), default=Value(1),
                            output_field=IntegerField()))
        .order_by("rank", "user__display_name", "user_id")
    )


def organisation_open_invitations(*, organisation, viewer) -> list[tuple[Invitation, bool]]:
    """Open invitations into `organisation` that `viewer` may see, each with whether they may revoke it."""
    qs = Invitation.objects.filter(organisation=organisation).order_by("-created_at")
    revocable = set(permissions.revocable_invitations(viewer, qs).values_list("pk", flat=True))
    return [(invitation, invitation.pk in revocable)
            for invitation in permissions.open_invitations(permissions.visible_invitations(viewer, qs))]
