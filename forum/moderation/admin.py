"""The Django admin shows moderation read-only: moderators and admins work in the site
(/moderation/), where every change goes through the services (audited)."""

from django.contrib import admin

from .models import Action, Appeal, Flag, ReviewItem, Rule


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Rule)
class RuleAdmin(ReadOnlyAdmin):
    list_display = ("title_en", "title_ar", "title_fr", "position", "active")


@admin.register(ReviewItem)
class ReviewItemAdmin(ReadOnlyAdmin):
    list_display = ("kind", "object_id", "state", "flaggers", "score", "first_flagged_at")
    list_filter = ("state", "kind")


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ("item", "reason", "state", "created_at")


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ("kind", "rule", "created_at")


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ("action", "outcome", "created_at", "decided_at")
