"""Reads of the audit log page: one query for a page of entries, whatever the filters."""

from __future__ import annotations

from datetime import datetime, time

from django.db.models import Q
from django.utils import timezone

from . import permissions
from .models import AuditEntry

PAGE_SIZE = 50


def entries_for_viewer(*, viewer, actor_id: int | None = None, actor_name: str = "", verb: str = "", target_type: str = "",
                       target_id: str = "", since=None, until=None, before: int | None = None,
                       limit: int = PAGE_SIZE + 1) -> list[AuditEntry]:
    """Newest first, the entries `viewer` may read that match the filters, older than entry
    `before` (keyset: the page after "before id N" costs the same as the first). `verb` matches a
    whole verb or its entity (`restriction` matches `restriction.create`); `since` / `until` are
    dates, both included, in the current time zone. `actor_name` matches a display name or an email
    address exactly (case aside), in the same query."""
    qs = permissions.visible_audit_entries(viewer, AuditEntry.objects.select_related("actor"))
    if actor_id is not None:
        qs = qs.filter(actor_id=actor_id)
    if actor_name:
        qs = qs.filter(Q(actor__display_name__iexact=actor_name) | Q(actor__email__iexact=actor_name))
    if verb:
        qs = qs.filter(verb=verb) if "." in verb else qs.filter(verb__startswith=f"{verb}.")
    if target_type:
        qs = qs.filter(target_type=target_type)
    if target_id:
        qs = qs.filter(target_id=target_id)
    zone = timezone.get_current_timezone()
    if since is not None:
        qs = qs.filter(created_at__gte=datetime.combine(since, time.min, tzinfo=zone))
    if until is not None:
        qs = qs.filter(created_at__lte=datetime.combine(until, time.max, tzinfo=zone))
    if before is not None:
        qs = qs.filter(pk__lt=before)
    return list(qs.order_by("-pk")[:limit])
