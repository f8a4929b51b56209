"""Writes of the accounts app: profile changes, data export, account deletion."""

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
