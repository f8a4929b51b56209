"""Django admin for organisations, memberships, invitations and requests to join.

Writes with consequences (revoking, approving, rejecting) go through the services, so they are
checked, audited and mailed like everywhere else.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import permissions, services
from .models import Invitation, JoinRequest, Membership, Organisation


def _refusal(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "kind", "created_at"]
    readonly_fields = ["created_at"]


class OrganisationAdminMixin:
    """Only administrators (with MFA once required) manage these models."""

    def has_module_permission(self, request):
        return self._may_manage(request)

    def _may_manage(self, request) -> bool:
        try:
            permissions.check_manage_organisations(request.user)
        except PermissionDenied:
            return False
        return True

    def has_view_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_add_permission(self, request, *args):
        return self._may_manage(request)

    def has_change_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_manage(request)


@admin.register(Organisation)
class OrganisationAdmin(OrganisationAdminMixin, admin.ModelAdmin):
    list_display = ["name", "name_ar", "city", "country", "verified", "active", "seat_limit"]
    list_filter = ["verified", "active", "country"]
    search_fields = ["name", "name_ar", "slug", "city", "country"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Membership)
class MembershipAdmin(OrganisationAdminMixin, admin.ModelAdmin):
    list_display = ["user", "organisation", "kind", "created_at"]
    list_filter = ["kind", "organisation"]
    search_fields = ["user__email", "user__display_name", "organisation__name", "organisation__name_ar"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]


class InvitationAdminForm(forms.ModelForm):
    """An admin's invitation (any role, observers with an end date), checked like the service does."""

    request = None  # set by InvitationAdmin.get_form

    class Meta:
        model = Invitation
        fields = ["email", "name", "organisation", "role", "access_ends_at", "language"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            permissions.check_invite_member(self.request.user, cleaned.get("organisation"), cleaned.get("role"))
            services.validate_invitation(email=cleaned.get("email", ""), role=cleaned.get("role"),
                                         organisation=cleaned.get("organisation"),
                                         access_ends_at=cleaned.get("access_ends_at"),
                                         name=cleaned.get("name", ""))
        except PermissionDenied as refusal:
            raise ValidationError(str(refusal)) from None
        return cleaned

    def validate_unique(self):
        """The service owns these rules (one open invitation per address) with translated messages."""


@admin.register(Invitation)
class InvitationAdmin(OrganisationAdminMixin, admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "inviter", "created_at", "expires_at", "state"]
    list_filter = ["role", ("used_at", admin.EmptyFieldListFilter), ("revoked_at", admin.EmptyFieldListFilter),
                   "organisation"]
    search_fields = ["email", "name", "organisation__name", "organisation__name_ar", "inviter__email"]
    list_select_related = ["organisation", "inviter"]
    form = InvitationAdminForm
    readonly_fields = ["link", "key", "inviter", "created_at", "expires_at", "used_at", "used_by", "revoked_at"]
    actions = ["revoke_selected"]

    @admin.display(description=gettext_lazy("state"))
    def state(self, obj):
        return {"open": _("Open"), "used": _("Used"), "revoked": _("Revoked"), "expired": _("Expired")}[obj.status]

    @admin.display(description=gettext_lazy("link"))
    def link(self, obj):
        """The signed link, for sending by another channel (only while the invitation is open)."""
        if obj is None or obj.pk is None or not obj.is_open:
            return "-"
        return services.invitation_link(obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def get_fields(self, request, obj=None):
        if obj is None:
            return InvitationAdminForm.Meta.fields
        return ["email", "name", "organisation", "role", "access_ends_at", "language", *self.readonly_fields]

    def has_change_permission(self, request, obj=None):
        return False  # an invitation is revoked and re-sent, never edited

    def save_model(self, request, obj, form, change):
        """Create through the service: checked, audited, emailed after commit."""
        invitation = services.invitation_create(actor=request.user, **form.cleaned_data)
        obj.pk = invitation.pk
        obj.refresh_from_db()

    @admin.action(description=gettext_lazy("Revoke the selected invitations"))
    def revoke_selected(self, request, queryset):
        done = 0
        for invitation in queryset:
            try:
                services.invitation_revoke(actor=request.user, invitation=invitation)
                done += 1
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, f"{invitation.email}: {_refusal(error)}", messages.ERROR)
        if done:
            self.message_user(request, _("%(count)d invitation(s) revoked.") % {"count": done}, messages.SUCCESS)


@admin.register(JoinRequest)
class JoinRequestAdmin(OrganisationAdminMixin, admin.ModelAdmin):
    list_display = ["email", "display_name", "organisation_name", "organisation", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["email", "display_name", "organisation_name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    fields = ["email", "display_name", "organisation_name", "organisation", "message", "language", "status",
              "decided_at", "decided_by", "invitation"]
    readonly_fields = ["email", "display_name", "organisation_name", "message", "language", "status",
                       "decided_at", "decided_by", "invitation"]
    actions = ["approve_selected", "reject_selected"]

    def has_add_permission(self, request, *args):
        return False

    @admin.action(description=gettext_lazy("Approve and send an invitation"))
    def approve_selected(self, request, queryset):
        done = 0
        for join_request in queryset:
            try:
                services.join_request_approve(actor=request.user, join_request=join_request)
                done += 1
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, f"{join_request.email}: {_refusal(error)}", messages.ERROR)
        if done:
            self.message_user(request, _("%(count)d request(s) approved; invitations sent.") % {"count": done},
                              messages.SUCCESS)

    @admin.action(description=gettext_lazy("Reject"))
    def reject_selected(self, request, queryset):
        done = 0
        for join_request in queryset:
            try:
                services.join_request_reject(actor=request.user, join_request=join_request)
                done += 1
            except PermissionDenied as error:
                self.message_user(request, f"{join_request.email}: {_refusal(error)}", messages.ERROR)
        if done:
            self.message_user(request, _("%(count)d request(s) rejected.") % {"count": done}, messages.SUCCESS)
