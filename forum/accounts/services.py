"""Writes of the accounts app: profile changes, data export, account deletion, sanctions, observer grants."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.audit import services as audit
from forum.core import personal_data, realtime

from . import events, names, permissions
from .forms import clean_bio
from .models import ObserverGrant, Restriction

User = get_user_model()


@transaction.atomic
def profile_update(*, user, actor, display_name: str, bio: str = "", preferred_language: str = ""):
    """Change `user`'s display name, bio and language as `actor` (only oneself). Nothing is saved
    when any field is refused; a `ValidationError` names the field."""
    permissions.check_edit_profile(actor, user)
    errors: dict[str, list] = {}
    try:
        name, key = names.clean_display_name(display_name)
    except ValidationError as exc:
        errors["display_name"] = exc.error_list
    try:
        bio = clean_bio(bio)
    except ValidationError as exc:
        errors["bio"] = exc.error_list
    if preferred_language and preferred_language not in {code for code, _name in settings.LANGUAGES}:
        errors["preferred_language"] = [ValidationError(_("Please choose one of the offered languages."),
                                                        code="invalid_choice")]
    if errors:
        raise ValidationError(errors)
    if User.objects.filter(display_name_key=key).exclude(pk=user.pk).exists():
        raise ValidationError({"display_name": _("This name is already used by another member. "
                                                 "Please choose another one.")})
    user.display_name, user.display_name_key = name, key
    user.bio = bio
    user.preferred_language = preferred_language
    try:
        with transaction.atomic():
            user.save(update_fields=["display_name", "display_name_key", "bio", "preferred_language"])
    except IntegrityError as exc:  # lost a race for the same name
        raise ValidationError({"display_name": _("This name is already used by another member. "
                                                 "Please choose another one.")}) from exc
    return user


def personal_data_export(*, user, actor) -> dict:
    """Everything the registered apps hold about `user`, as a JSON-able dict (only for oneself)."""
    permissions.check_export_data(actor, user)
    return {
        "format": "madaniya-personal-data/1",
        "exported_at": timezone.now().isoformat(),
        "user_id": user.pk,
        "data": personal_data.export_all(user),
    }


def personal_data_export_json(*, user, actor) -> str:
    return json.dumps(personal_data_export(user=user, actor=actor), cls=DjangoJSONEncoder,
                      ensure_ascii=False, indent=2)


def placeholder_email(user) -> str:
    return f"deleted-{user.pk}@invalid"


@transaction.atomic
def account_delete(*, user, actor) -> list[str]:
    """Delete `user`'s account as `actor` (only oneself): every registered eraser runs, then the
    account row is anonymised and deactivated. Authored content stays, shown as "Former member".
    Returns the names of the erased data kinds."""
    permissions.check_delete_account(actor, user)
    if user.deleted_at:
        raise ValidationError(_("This account has already been deleted."))
    if permissions.is_admin(user) and not (
        User.objects.filter(is_active=True, deleted_at__isnull=True)
        .filter(Q(role=permissions.ADMIN) | Q(is_superuser=True)).exclude(pk=user.pk).exists()
    ):
        raise ValidationError(_("You are the only administrator. Make someone else an administrator "
                                "before deleting your account."), code="last_admin")
    erased = personal_data.erase_all(user)
    user.email = placeholder_email(user)
    user.display_name = ""
    user.display_name_key = ""
    user.bio = ""
    user.preferred_language = ""
    user.access_ends_at = None
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.deleted_at = timezone.now()
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    permissions.forget(user)
    audit.record(actor=actor, verb="account.delete", target=user, data={"erased": erased})
    access_changed(user_id=user.pk, reason="deleted")
    return erased


def access_changed(*, user_id: int, reason: str) -> None:
    """After the current transaction commits, tell the member's open sockets to check their access
    again (each closes if it is gone): called after sanctions, observer grants, role changes and
    account deletion."""
    realtime.broadcast_on_commit(realtime.user_group(user_id), events.access_changed(user_id=user_id,
                                                                                     reason=reason))


def session_ended(*, user_id: int, session_key: str) -> None:
    """After the current transaction commits, close the sockets opened with this session (the user
    signed out, or the session was ended from the sessions page or the admin)."""
    if session_key:
        realtime.broadcast_on_commit(realtime.user_group(user_id),
                                     events.session_ended(user_id=user_id, session_key=session_key))


# --- sanctions and observer grants ------------------------------------------------------------------
# Callers (moderation, live rooms, the admin) check who may impose them; these write, audit and
# announce, so every open socket of the member checks its access again at once.

@transaction.atomic
def restriction_create(*, actor, user, kind: str, reason: str, scope: str = "site",
                       object_id: int | None = None, ends_at=None, starts_at=None,
                       audit_data: dict | None = None):
    """Impose a suspension or mute on `user` (site-wide, or in one category / live session)."""
    if kind not in Restriction.Kind.values or scope not in Restriction.Scope.values:
        raise ValidationError(_("Unknown kind of restriction."))
    if (scope == Restriction.Scope.SITE) != (object_id is None):
        raise ValidationError(_("A site-wide restriction names no place; a scoped one names one."))
    if not (reason or "").strip():
        raise ValidationError(_("Give a reason."))
    restriction = Restriction.objects.create(
        user=user, kind=kind, scope=scope, object_id=object_id, reason=reason.strip(),
        starts_at=starts_at or timezone.now(), ends_at=ends_at,
        created_by=actor if getattr(actor, "pk", None) else None)
    audit.record(actor=actor, verb="restriction.create", target=restriction, reason=restriction.reason,
                 data={"user": user.pk, "kind": kind, "scope": scope, "object_id": object_id,
                       "ends_at": ends_at.isoformat() if ends_at else None, **(audit_data or {})})
    permissions.forget(user)
    access_changed(user_id=user.pk, reason="restriction")
    return restriction


@transaction.atomic
def restriction_lift(*, actor, restriction, reason: str = ""):
    """End a restriction now (kept in the table and the audit log)."""
    if restriction.lifted_at is None:
        restriction.lifted_at = timezone.now()
        restriction.save(update_fields=["lifted_at"])
        audit.record(actor=actor, verb="restriction.lift", target=restriction, reason=reason)
        access_changed(user_id=restriction.user_id, reason="restriction")
    return restriction


@transaction.atomic
def observer_grant(*, actor, user, scope: str, object_id: int):
    """Let an observer see one category or one live session (idempotent)."""
    grant, created = ObserverGrant.objects.get_or_create(
        user=user, scope=scope, object_id=object_id,
        defaults={"granted_by": actor if getattr(actor, "pk", None) else None})
    if created:
        audit.record(actor=actor, verb="observer_grant.create", target=grant,
                     data={"user": user.pk, "scope": scope, "object_id": object_id})
        permissions.forget(user)
        access_changed(user_id=user.pk, reason="observer_grant")
    return grant


@transaction.atomic
def observer_revoke(*, actor, user, scope: str, object_id: int) -> bool:
    grants = list(ObserverGrant.objects.filter(user=user, scope=scope, object_id=object_id))
    for grant in grants:
        audit.record(actor=actor, verb="observer_grant.delete", target=grant)
        grant.delete()
    if grants:
        permissions.forget(user)
        access_changed(user_id=user.pk, reason="observer_grant")
    return bool(grants)
