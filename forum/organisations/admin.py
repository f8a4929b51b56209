"""Django admin for organisations, memberships, invitations and requests to join.

Writes with consequences (revoking, approving, rejecting) go through the services, so they are
checked, audited and mailed like everywhere else.
"""

from __future__ import annotations

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


@admin.register(Invitation)
class InvitationAdmin(OrganisationAdminMixin, admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "inviter", "created_at", "expires_at", "state"]
    list_filter = ["role", ("used_at", admin.EmptyFieldListFilter), ("revoked_at", admin.EmptyFieldListFilter),
                   "organisation"]
    search_fields = ["email", "name", "organisation__name", "organisation__name_ar", "inviter__email"]
    list_select_related = ["organisation", "inviter"]
    readonly_fields = ["key", "inviter", "created_at", "used_at", "used_by", "revoked_at"]
    actions = ["revoke_selected"]

    @admin.display(description=gettext_lazy("state"))
    def state(self, obj):
        return {"open": _("Open"), "used": _("Used"), "revoked": _("Revoked"), "expired": _("Expired")}[obj.status]

    def has_add_permission(self, request, *args):
        return False  # invitations are created through the service (from an organisation page or import)

    def has_change_permission(self, request, obj=None):
        return False

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
