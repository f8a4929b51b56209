"""Personal data the organisations app holds about a person: their membership.

Registered with `forum.core.personal_data` (see docs/data-rights.md). Invitations and join
requests are added here by the organisations app.
"""

from __future__ import annotations

from forum.core.personal_data import register

from .models import Membership


def export_membership(user) -> list[dict]:
    return [{"organisation": m.organisation.name, "organisation_slug": m.organisation.slug, "kind": m.kind,
             "since": m.created_at.isoformat()}
            for m in Membership.objects.filter(user=user).select_related("organisation")]


def erase_membership(user) -> None:
    """A deleted account frees its seat in the organisation."""
    Membership.objects.filter(user=user).delete()


register("organisation_membership", export=export_membership, erase=erase_membership)
