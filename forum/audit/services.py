"""Writing the audit log. Only services call this; entries are never edited or deleted."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEntry


def record(*, actor, verb: str, target: models.Model | None = None, reason: str = "",
           data: dict[str, Any] | None = None) -> AuditEntry:
    """Append one entry. `verb` is `<entity>.<action>`, e.g. `invitation.revoke`."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        reason=reason,
        data=data or {},
    )
