"""Writes of the accounts app: profile changes, data export, account deletion, sanctions, observer grants."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
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


@transaction.atomic
def user_session_end(*, actor, session, current_session_key: str) -> None:
    """Sign out one of the actor's sessions (from the sessions page): its session is deleted, so its
    pages ask to sign in again, and after commit its open sockets close (`UserSession.end()` deletes
    the row; the post_delete receiver announces `accounts.session.ended`). The session in use is
    refused (ValidationError code "current": signing out is the header's button). Audited."""
    permissions.check_end_session(actor, session)
    if session.session_key == current_session_key:
        raise ValidationError(_("This is the session you are using now: use “Sign out” instead."), code="current")
    audit.record(actor=actor, verb="account.session_end", target=actor)
    session.end()


def session_ended(*, user_id: int, session_key: str) -> None:
    """After the current transaction commits, close the sockets opened with this session (the user
    signed out, or the session was ended from the sessions page or the admin)."""
    if session_key:
        realtime.broadcast_on_commit(realtime.user_group(user_id),
                                     events.session_ended(user_id=user_id, session_key=session_key))


# --- sanctions, observer grants and roles -----------------------------------------------------------
# Each checks who may (`permissions.check_*`), validates, writes, audits (with where it happened, so
# category moderators read their part of the log) and announces after commit, so every open socket
# of the member checks its access again at once. Callers: the moderation pages, live rooms, the admin.

def place_exists(scope: str, object_id: int | None) -> bool:
    """Whether the category or live session a restriction or grant names exists (read through the
    user model's reverse relations, so this layer imports nothing above it)."""
    relation = {"category": "moderated_categories", "session": "moderated_live_sessions"}.get(scope)
    manager = getattr(User, relation, None) if relation else None
    if manager is None:
        return False
    return manager.rel.related_model._default_manager.filter(pk=object_id).exists()


def restriction_validate(*, user, kind: str, scope: str, object_id, reason: str, ends_at, starts_at) -> str:
    """`ValidationError` (naming the field) for a restriction that cannot be imposed; else the
    cleaned reason. Forms call it to show errors before `restriction_create` (which calls it too)."""
    if kind not in Restriction.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of restriction.")}, code="invalid_kind")
    if scope not in Restriction.Scope.values:
        raise ValidationError({"scope": _("Unknown place for a restriction.")}, code="invalid_scope")
    if (scope == Restriction.Scope.SITE) != (object_id is None):
        raise ValidationError({"scope": _("A site-wide restriction names no place; a scoped one names one.")},
                              code="invalid_scope")
    if scope != Restriction.Scope.SITE and not place_exists(scope, object_id):
        raise ValidationError({"object_id": _("This category or live session does not exist.")},
                              code="unknown_place")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")}, code="reason_required")
    if kind in (Restriction.Kind.BAN, Restriction.Kind.WARNING) and ends_at is not None:
        raise ValidationError({"ends_at": _("A ban or a warning has no end date.")}, code="no_end")
    if ends_at is not None and ends_at <= (starts_at or timezone.now()):
        raise ValidationError({"ends_at": _("The end must come after the start.")}, code="ends_before_start")
    if user.deleted_at or not user.is_active:
        raise ValidationError(_("This account has been deleted or deactivated."), code="inactive_user")
    return reason


@transaction.atomic
def restriction_create(*, actor, user, kind: str, reason: str, scope: str = "site",
                       object_id: int | None = None, ends_at=None, starts_at=None,
                       audit_data: dict | None = None):
    """Warn, mute, suspend or ban `user` as `actor`, site-wide or in one category / live session.

    The site-wide suspension or ban of an organisation representative is stored awaiting a second
    moderator (`restriction_confirm`) and has no effect until then; everything else applies at
    once, and the member's open sockets check their access again after commit. A warning takes
    nothing away: the member sees it once (`restriction_mark_seen`)."""
    permissions.check_impose_restriction(actor, user, scope, object_id)
    reason = restriction_validate(user=user, kind=kind, scope=scope, object_id=object_id, reason=reason,
                                   ends_at=ends_at, starts_at=starts_at)
    pending = permissions.needs_second_moderator(user, kind, scope)
    restriction = Restriction.objects.create(
        user=user, kind=kind, scope=scope, object_id=object_id, reason=reason,
        starts_at=starts_at or timezone.now(), ends_at=ends_at, pending_confirmation=pending,
        created_by=actor)
    audit.record(actor=actor, verb="restriction.create", target=restriction, reason=reason,
                 data={"user": user.pk, "kind": kind, "scope": scope, "object_id": object_id,
                       "ends_at": ends_at.isoformat() if ends_at else None,
                       "pending_confirmation": pending, **(audit_data or {})})
    permissions.forget(user)
    if not pending:
        access_changed(user_id=user.pk, reason="restriction")
    return restriction


@transaction.atomic
def restriction_confirm(*, actor, restriction):
    """A second moderator confirms a suspension or ban that waited for one; it applies from now."""
    permissions.check_confirm_restriction(actor, restriction)
    current = Restriction.objects.select_for_update().get(pk=restriction.pk)
    if not current.pending_confirmation or current.lifted_at is not None:
        raise ValidationError(_("This restriction is not awaiting confirmation."), code="not_pending")
    now = timezone.now()
    current.pending_confirmation = False
    current.confirmed_by = actor
    current.confirmed_at = now
    current.save(update_fields=["pending_confirmation", "confirmed_by", "confirmed_at"])
    for field in ("pending_confirmation", "confirmed_by", "confirmed_at"):
        setattr(restriction, field, getattr(current, field))
    audit.record(actor=actor, verb="restriction.confirm", target=current, reason=current.reason,
                 data={"user": current.user_id, "kind": current.kind, "imposed_by": current.created_by_id})
    permissions.forget(current.user)
    access_changed(user_id=current.user_id, reason="restriction")
    return restriction


@transaction.atomic
def restriction_lift(*, actor, restriction, reason: str = ""):
    """End a restriction now (or withdraw one awaiting confirmation); kept in the table and the log.
    Lifting one already lifted changes nothing."""
    permissions.check_lift_restriction(actor, restriction)
    current = Restriction.objects.select_for_update().get(pk=restriction.pk)
    if current.lifted_at is None:
        current.lifted_at = timezone.now()
        current.save(update_fields=["lifted_at"])
        restriction.lifted_at = current.lifted_at
        audit.record(actor=actor, verb="restriction.lift", target=current, reason=(reason or "").strip(),
                     data={"user": current.user_id, "kind": current.kind})
        permissions.forget(current.user)
        access_changed(user_id=current.user_id, reason="restriction")
    return restriction


@transaction.atomic
def restriction_mark_seen(*, actor, restriction):
    """The member acknowledges a warning (only their own); it is not shown to them again."""
    if not permissions.is_authenticated(actor) or restriction.user_id != actor.pk:
        raise PermissionDenied(_("You can only acknowledge your own warnings."))
    if restriction.seen_at is None:
        restriction.seen_at = timezone.now()
        Restriction.objects.filter(pk=restriction.pk, seen_at__isnull=True).update(seen_at=restriction.seen_at)
        permissions.forget(actor)
    return restriction


@transaction.atomic
def observer_grant(*, actor, user, scope: str, object_id: int):
    """Let an observer see one category or one live session (idempotent)."""
    permissions.check_grant_observer(actor, user, scope, object_id)
    if scope not in ObserverGrant.Scope.values:
        raise ValidationError({"scope": _("Unknown place for a restriction.")}, code="invalid_scope")
    if not place_exists(scope, object_id):
        raise ValidationError({"object_id": _("This category or live session does not exist.")},
                              code="unknown_place")
    grant, created = ObserverGrant.objects.get_or_create(
        user=user, scope=scope, object_id=object_id, defaults={"granted_by": actor})
    if created:
        audit.record(actor=actor, verb="observer_grant.create", target=grant,
                     data={"user": user.pk, "scope": scope, "object_id": object_id})
        permissions.forget(user)
        access_changed(user_id=user.pk, reason="observer_grant")
    return grant


@transaction.atomic
def observer_revoke(*, actor, user, scope: str, object_id: int) -> bool:
    """Take an observer's access to one category or live session away (False when there was none)."""
    permissions.check_grant_observer(actor, user, scope, object_id)
    grants = list(ObserverGrant.objects.filter(user=user, scope=scope, object_id=object_id))
    for grant in grants:
        audit.record(actor=actor, verb="observer_grant.delete", target=grant,
                     data={"user": user.pk, "scope": scope, "object_id": object_id})
        grant.delete()
    if grants:
        permissions.forget(user)
        access_changed(user_id=user.pk, reason="observer_grant")
    return bool(grants)


@transaction.atomic
def role_change(*, actor, user, role: str, reason: str, access_ends_at=None):
    """Make `user` an administrator, moderator, member or observer, as an administrator (never
    oneself). An observer's access ends at `access_ends_at` (required for observers). Audited with
    the role before and after; the user's open sockets check their access again after commit."""
    permissions.check_change_role(actor, user)
    if role not in User.Role.values:
        raise ValidationError({"role": _("Unknown role.")}, code="invalid_role")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")}, code="reason_required")
    if user.deleted_at or not user.is_active:
        raise ValidationError(_("This account has been deleted or deactivated."), code="inactive_user")
    if role == User.Role.OBSERVER and access_ends_at is None:
        raise ValidationError({"access_ends_at": _("An observer's access needs an end date.")},
                              code="observer_needs_end")
    current = User.objects.select_for_update().get(pk=user.pk)
    before = {"role": current.role, "access_ends_at": current.access_ends_at}
    after = {"role": role, "access_ends_at": access_ends_at if role == User.Role.OBSERVER else None}
    if before == after:
        return user
    current.role = role
    current.access_ends_at = after["access_ends_at"]
    # The Django admin follows the role: administrators are staff and superusers, nobody else is
    # (otherwise a former administrator would keep `is_superuser`, which `is_admin` honours).
    current.is_staff = current.is_superuser = role == User.Role.ADMIN
    current.save(update_fields=["role", "access_ends_at", "is_staff", "is_superuser"])
    for field in ("role", "access_ends_at", "is_staff", "is_superuser"):
        setattr(user, field, getattr(current, field))
    audit.record(actor=actor, verb="user.role", target=current, reason=reason,
                 data={"from": {k: _stored(v) for k, v in before.items()},
                       "to": {k: _stored(v) for k, v in after.items()}})
    permissions.forget(user)
    access_changed(user_id=user.pk, reason="role")
    return user


def _stored(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
