"""The Django admin shows moderation read-only: moderators and admins work in the site
(/moderation/), where every change goes through the services (audited)."""

from django.contrib import admin

from forum.core.admin import ReadOnlyAdmin

from .models import Action, Appeal, Flag, ReviewItem, Rule, WatchedWord


@admin.register(Rule)
class RuleAdmin(ReadOnlyAdmin):
    list_display = ("title_en", "title_ar", "title_fr", "position", "active")
    list_filter = ("active",)
    search_fields = ("title_en", "title_ar", "title_fr", "body_en", "body_ar", "body_fr")


@admin.register(ReviewItem)
class ReviewItemAdmin(ReadOnlyAdmin):
    list_display = ("kind", "object_id", "state", "flaggers", "score", "first_flagged_at")
    list_filter = ("state", "kind")
    search_fields = ("author__display_name", "author__email")


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ("item", "reason", "state", "created_at")
    list_filter = ("reason", "state")
    search_fields = ("text", "reporter__display_name", "reporter__email")


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ("kind", "rule", "created_at")
    list_filter = ("kind", "rule")
    search_fields = ("note", "actor__display_name", "subject__display_name")


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ("action", "outcome", "created_at", "decided_at")
    list_filter = ("outcome",)
    search_fields = ("statement", "decision_note", "appellant__display_name", "appellant__email")


@admin.register(WatchedWord)
class WatchedWordAdmin(ReadOnlyAdmin):
    """Kept in the site (/moderation/words/): validated, audited, and the cached list follows."""

    list_display = ("text", "kind", "action", "created_at")
    list_filter = ("kind", "action")
    search_fields = ("text",)
