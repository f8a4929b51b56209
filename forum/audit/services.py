"""Writing the audit log. Only services call this; entries are never edited or deleted (on
PostgreSQL a trigger refuses it, see migration 0002)."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEntry

SCOPES = ("category", "session")


def scope_key(kind: str, object_id: int | None) -> str:
    """The `scope` of an entry about something in one category or live session: `category:12`."""
    if kind not in SCOPES or object_id is None:
        return ""
    return f"{kind}:{int(object_id)}"


def scope_of(target: models.Model | None) -> str:
    """Where an action took place, read from its target: a category; a thread's or a post's
    category; a restriction's or an observer grant's category or session; a live session's item.
    "" for the whole site (and whatever has no place). Category moderators read the log of their
    categories by this key (see `forum.audit.permissions`)."""
    if target is None:
        return ""
    if target._meta.label_lower == "categories.category":
        return scope_key("category", target.pk)
    place = getattr(target, "scope", None)
    if isinstance(place, str) and place in SCOPES:  # restrictions and observer grants
        return scope_key(place, getattr(target, "object_id", None))
    if getattr(target, "category_id", None):  # threads
        return scope_key("category", target.category_id)
    if getattr(target, "thread_id", None):  # posts
        thread = target._state.fields_cache.get("thread")
        if thread is not None:
            return scope_key("category", thread.category_id)
        thread_model = target._meta.get_field("thread").related_model
        category_id = thread_model._base_manager.filter(pk=target.thread_id).values_list("category_id", flat=True).first()
        return scope_key("category", category_id)
    if getattr(target, "session_id", None):  # live messages and questions
        return scope_key("session", target.session_id)
    return ""


def record(*, actor, verb: str, target: models.Model | None = None, reason: str = "",
           data: dict[str, Any] | None = None, scope: str | None = None) -> AuditEntry:
    """Append one entry. `verb` is `<entity>.<action>`, e.g. `invitation.revoke`. `scope` says
    where it happened (`scope_key`); by default it is read from the target (`scope_of`)."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        reason=reason,
        data=data or {},
        scope=scope_of(target) if scope is None else scope,
    )
