"""Admin of users, restrictions and observer grants. The admin login goes through allauth, so
its rate limits and the second factor apply there too."""

from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from allauth.mfa import admin as mfa_admin
from allauth.mfa.models import Authenticator
from allauth.usersessions import admin as usersessions_admin
from allauth.usersessions.models import UserSession
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from forum.audit import services as audit

from . import names, permissions, services
from .models import ObserverGrant, Restriction, User

admin.site.login = secure_admin_login(admin.site.login)


# A change to one of these can take access away: open sockets of the user check theirs again.
ACCESS_FIELDS = {"is_active"}
# Changed only through `services.role_change` (audited with a reason); staff and superuser follow the role.
ROLE_FIELDS = ("role", "access_ends_at")


def _refusal_as_form_error(form, refusal) -> None:
    """Show a service's refusal on the admin form (a PermissionDenied or a ValidationError)."""
    if isinstance(refusal, ValidationError):
        if hasattr(refusal, "error_dict"):
            for field, errors in refusal.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, refusal)
    else:
        form.add_error(None, str(refusal) or _("You cannot do this."))


class UserAdminForm(forms.ModelForm):
    role_reason = forms.CharField(
        label=_("Reason for the role change"), required=False, max_length=500,
        help_text=_("Required when the role or the observer's end date changes; kept in the audit log."))

    class Meta:
        model = User
        fields = ["email", "display_name", "bio", "preferred_language", "role", "access_ends_at", "is_active"]

    def clean_display_name(self):
        name = self.cleaned_data.get("display_name", "")
        if not name:
            return ""
        name, key = names.clean_display_name(name)
        if User.objects.filter(display_name_key=key).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("This name is already used by another member."))
        return name

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and set(self.changed_data) & set(ROLE_FIELDS):
            stored = User.objects.get(pk=self.instance.pk)
            try:
                permissions.check_change_role(self.actor, stored)
                if not (cleaned.get("role_reason") or "").strip():
                    raise ValidationError({"role_reason": _("Give a reason.")})
                if cleaned.get("role") == User.Role.OBSERVER and not cleaned.get("access_ends_at"):
                    raise ValidationError({"access_ends_at": _("An observer's access needs an end date.")})
            except (PermissionDenied, ValidationError) as refusal:
                _refusal_as_form_error(self, refusal)
        return cleaned


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """Users. A role (and an observer's end date) changes through `services.role_change`: checked,
    audited with its reason, announced to open sockets; staff and superuser follow the role."""

    form = UserAdminForm
    list_display = ["email", "display_name", "role", "is_active", "is_staff", "date_joined", "deleted_at"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "display_name", "display_name_key"]
    ordering = ["-date_joined"]
    readonly_fields = ["is_staff", "is_superuser", "date_joined", "last_login", "deleted_at"]
    fieldsets = [
        (None, {"fields": ["email", "display_name", "bio", "preferred_language"]}),
        (_("Role and access"), {"fields": ["role", "access_ends_at", "role_reason", "is_active", "is_staff",
                                           "is_superuser"]}),
        (_("Dates"), {"fields": ["date_joined", "last_login", "deleted_at"]}),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        return type(form_class.__name__, (form_class,), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        obj.display_name_key = names.display_name_key(obj.display_name) if obj.display_name else ""
        role_changed = change and set(form.changed_data) & set(ROLE_FIELDS)
        if role_changed:
            wanted = {field: getattr(obj, field) for field in ROLE_FIELDS}
            stored = User.objects.get(pk=obj.pk)
            for field in ROLE_FIELDS:  # saved by the service below, not here
                setattr(obj, field, getattr(stored, field))
        if not change:
            obj.set_unusable_password()  # they choose one through "forgotten password"
            obj.is_staff = obj.is_superuser = obj.role == User.Role.ADMIN
        super().save_model(request, obj, form, change)
        other_fields = sorted(set(form.changed_data) - set(ROLE_FIELDS) - {"role_reason"})
        if other_fields or not change:
            audit.record(actor=request.user, verb="user.change" if change else "user.create", target=obj,
                         data={"fields": other_fields})
        if change and set(form.changed_data) & ACCESS_FIELDS:
            services.access_changed(user_id=obj.pk, reason="role")
        if role_changed:
            services.role_change(actor=request.user, user=obj, role=wanted["role"],
                                 access_ends_at=wanted["access_ends_at"], reason=form.cleaned_data["role_reason"])


class RestrictionAdminForm(forms.ModelForm):
    class Meta:
        model = Restriction
        fields = ["user", "kind", "scope", "object_id", "reason", "starts_at", "ends_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "starts_at" in self.fields:
            self.fields["starts_at"].required = False  # empty: from now
            self.fields["starts_at"].initial = None

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("user")
        if user is None or self.errors:
            return cleaned
        try:
            permissions.check_impose_restriction(self.actor, user, cleaned.get("scope"), cleaned.get("object_id"))
            cleaned["reason"] = services.restriction_validate(
                user=user, kind=cleaned.get("kind"), scope=cleaned.get("scope"), object_id=cleaned.get("object_id"),
                reason=cleaned.get("reason", ""), ends_at=cleaned.get("ends_at"), starts_at=cleaned.get("starts_at"))
        except (PermissionDenied, ValidationError) as refusal:
            _refusal_as_form_error(self, refusal)
        return cleaned


class ServiceActionsMixin:
    def _each(self, request, queryset, act, done_message):
        done = 0
        for obj in queryset:
            try:
                act(obj)
                done += 1
            except (PermissionDenied, ValidationError) as refusal:
                reason = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
                reason = reason or _("You cannot do this.")
                self.message_user(request, f"{obj}: {reason}", messages.ERROR)
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)


@admin.register(Restriction)
class RestrictionAdmin(ServiceActionsMixin, admin.ModelAdmin):
    """Restrictions are imposed, confirmed and lifted through the services (checked, audited,
    announced); a restriction is never edited or deleted here, so its history stays whole."""

    form = RestrictionAdminForm
    list_display = ["user", "kind", "scope", "object_id", "starts_at", "ends_at", "pending_confirmation",
                    "lifted_at"]
    list_filter = ["kind", "scope", "pending_confirmation"]
    search_fields = ["user__email", "user__display_name", "reason"]
    autocomplete_fields = ["user"]
    actions = ["confirm_restrictions", "lift_restrictions"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        return type(form_class.__name__, (form_class,), {"actor": request.user})

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.concrete_fields] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        created = services.restriction_create(
            actor=request.user, user=data["user"], kind=data["kind"], scope=data["scope"],
            object_id=data.get("object_id"), reason=data["reason"], starts_at=data.get("starts_at"),
            ends_at=data.get("ends_at"))
        obj.pk = created.pk
        obj.__dict__.update({f.attname: getattr(created, f.attname) for f in created._meta.concrete_fields})

    @admin.action(description=gettext_lazy("Confirm the selected restrictions (second moderator)"))
    def confirm_restrictions(self, request, queryset):
        self._each(request, queryset.select_related("user"),
                   lambda r: services.restriction_confirm(actor=request.user, restriction=r),
                   _("%(count)d restriction(s) confirmed."))

    @admin.action(description=gettext_lazy("Lift the selected restrictions"))
    def lift_restrictions(self, request, queryset):
        self._each(request, queryset.select_related("user"),
                   lambda r: services.restriction_lift(actor=request.user, restriction=r),
                   _("%(count)d restriction(s) lifted."))


class ObserverGrantAdminForm(forms.ModelForm):
    class Meta:
        model = ObserverGrant
        fields = ["user", "scope", "object_id"]

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("user")
        if user is None or self.errors:
            return cleaned
        try:
            permissions.check_grant_observer(self.actor, user, cleaned.get("scope"), cleaned.get("object_id"))
            if not services.place_exists(cleaned.get("scope"), cleaned.get("object_id")):
                raise ValidationError({"object_id": _("This category or live session does not exist.")})
        except (PermissionDenied, ValidationError) as refusal:
            _refusal_as_form_error(self, refusal)
        return cleaned


@admin.register(ObserverGrant)
class ObserverGrantAdmin(ServiceActionsMixin, admin.ModelAdmin):
    """Observer grants are given and taken away through the services (checked, audited, announced)."""

    form = ObserverGrantAdminForm
    list_display = ["user", "scope", "object_id", "granted_by", "created_at"]
    list_filter = ["scope"]
    search_fields = ["user__email", "user__display_name"]
    autocomplete_fields = ["user"]
    actions = ["revoke_grants"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        return type(form_class.__name__, (form_class,), {"actor": request.user})

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.concrete_fields] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # "Revoke the selected grants" calls the service

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        grant = services.observer_grant(actor=request.user, user=data["user"], scope=data["scope"],
                                        object_id=data["object_id"])
        obj.pk = grant.pk
        obj.__dict__.update({f.attname: getattr(grant, f.attname) for f in grant._meta.concrete_fields})

    @admin.action(description=gettext_lazy("Revoke the selected grants"))
    def revoke_grants(self, request, queryset):
        self._each(request, queryset.select_related("user"),
                   lambda g: services.observer_revoke(actor=request.user, user=g.user, scope=g.scope,
                                                      object_id=g.object_id),
                   _("%(count)d grant(s) revoked."))


# allauth's own admins, adjusted to this user model (no username) and given search and filters.
class UserSessionAdmin(usersessions_admin.UserSessionAdmin):
    # allauth searches `user__username`, which this user model does not have: searching was a 500.
    search_fields = ["user__email", "user__display_name", "ip"]
    list_filter = ["created_at", "last_seen_at"]


class AuthenticatorAdmin(mfa_admin.AuthenticatorAdmin):
    search_fields = ["user__email", "user__display_name"]


for _model, _admin_class in ((UserSession, UserSessionAdmin), (Authenticator, AuthenticatorAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin_class)
