"""The Django admin for live sessions: for looking, not for writing.

Sessions are created and changed in the site (`/live/`), where the services check, audit and
announce; room content (messages, questions, the numbered events) changes only through the room's
services, which keep the sequence numbers, the tombstones and the open sockets consistent. So
every list here is read-only.
"""

from django.contrib import admin

from forum.core.admin import ReadOnlyAdmin

from .models import ChatMessage, LiveSession, Question, QuestionVote, RoomEvent


@admin.register(LiveSession)
class LiveSessionAdmin(ReadOnlyAdmin):
    list_display = ["title", "state", "starts_at", "ends_at", "mode", "off_the_record"]
    list_filter = ["state", "mode", "off_the_record", "audience"]
    search_fields = ["title", "description"]
    date_hierarchy = "starts_at"


@admin.register(ChatMessage)
class ChatMessageAdmin(ReadOnlyAdmin):
    list_display = ["session", "seq", "author", "created_at", "removed_at"]
    list_filter = ["session__state", "created_at"]
    search_fields = ["source", "author__display_name", "author__email"]
    list_select_related = ["session", "author"]


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ["session", "author", "state", "votes", "pinned", "created_at"]
    list_filter = ["state", "pinned"]
    search_fields = ["source", "author__display_name", "author__email"]
    list_select_related = ["session", "author"]


@admin.register(QuestionVote)
class QuestionVoteAdmin(ReadOnlyAdmin):
    list_display = ["question", "user", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["user__display_name", "user__email"]


@admin.register(RoomEvent)
class RoomEventAdmin(ReadOnlyAdmin):
    list_display = ["session", "seq", "kind", "ref_id", "created_at"]
    list_filter = ["kind"]
    search_fields = ["kind"]
    list_select_related = ["session"]
