"""Admin of users, restrictions and observer grants. The admin login goes through allauth, so
its rate limits and the second factor apply there too."""

from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from allauth.mfa import admin as mfa_admin
from allauth.mfa.models import Authenticator
from allauth.usersessions import admin as usersessions_admin
from allauth.usersessions.models import UserSession
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from forum.audit import services as audit

from . import names, services
from .models import ObserverGrant, Restriction, User

admin.site.login = secure_admin_login(admin.site.login)


# A change to one of these can take access away: open sockets of the user check theirs again.
ACCESS_FIELDS = {"role", "access_ends_at", "is_active", "is_staff", "is_superuser"}


class UserAdminForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["email", "display_name", "bio", "preferred_language", "role", "access_ends_at",
                  "is_active", "is_staff", "is_superuser"]

    def clean_display_name(self):
        name = self.cleaned_data.get("display_name", "")
        if not name:
            return ""
        name, key = names.clean_display_name(name)
        if User.objects.filter(display_name_key=key).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("This name is already used by another member."))
        return name


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    form = UserAdminForm
    list_display = ["email", "display_name", "role", "is_active", "is_staff", "date_joined", "deleted_at"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "display_name", "display_name_key"]
    ordering = ["-date_joined"]
    readonly_fields = ["date_joined", "last_login", "deleted_at"]
    fieldsets = [
        (None, {"fields": ["email", "display_name", "bio", "preferred_language"]}),
        (_("Role and access"), {"fields": ["role", "access_ends_at", "is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["date_joined", "last_login", "deleted_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        obj.display_name_key = names.display_name_key(obj.display_name) if obj.display_name else ""
        if not change:
            obj.set_unusable_password()  # they choose one through "forgotten password"
        super().save_model(request, obj, form, change)
        audit.record(actor=request.user, verb="user.change" if change else "user.create", target=obj,
                     data={"fields": sorted(form.changed_data)})
        if change and set(form.changed_data) & ACCESS_FIELDS:
            services.access_changed(user_id=obj.pk, reason="role")


@admin.register(Restriction)
class RestrictionAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "scope", "object_id", "starts_at", "ends_at", "lifted_at"]
    list_filter = ["kind", "scope"]
    search_fields = ["user__email", "user__display_name", "reason"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        audit.record(actor=request.user, verb="restriction.change" if change else "restriction.create",
                     target=obj, reason=obj.reason, data={"fields": sorted(form.changed_data)})
        services.access_changed(user_id=obj.user_id, reason="restriction")

    def delete_model(self, request, obj):
        audit.record(actor=request.user, verb="restriction.delete", target=obj, reason=obj.reason)
        super().delete_model(request, obj)
        services.access_changed(user_id=obj.user_id, reason="restriction")

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(ObserverGrant)
class ObserverGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "scope", "object_id", "granted_by", "created_at"]
    list_filter = ["scope"]
    search_fields = ["user__email", "user__display_name"]
    autocomplete_fields = ["user"]
    readonly_fields = ["granted_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)
        audit.record(actor=request.user, verb="observer_grant.change" if change else "observer_grant.create",
                     target=obj, data={"fields": sorted(form.changed_data)})
        services.access_changed(user_id=obj.user_id, reason="observer_grant")

    def delete_model(self, request, obj):
        audit.record(actor=request.user, verb="observer_grant.delete", target=obj)
        super().delete_model(request, obj)
        services.access_changed(user_id=obj.user_id, reason="observer_grant")

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


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
