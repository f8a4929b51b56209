from django.contrib import admin

from .models import Consultation, Position, PositionRevision, Reminder, SubQuestion


class SubQuestionInline(admin.TabularInline):
    model = SubQuestion
    extra = 0


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ["thread", "deadline", "synthesis_published_at"]
    list_filter = ["deadline", "synthesis_published_at"]
    search_fields = ["thread__title", "question"]
    raw_id_fields = ["thread", "created_by", "synthesis_by"]
    filter_horizontal = ["organisers"]
    inlines = [SubQuestionInline]


@admin.register(SubQuestion)
class SubQuestionAdmin(admin.ModelAdmin):
    list_display = ["consultation", "number", "text"]
    list_filter = ["number"]
    search_fields = ["text", "consultation__thread__title"]
    raw_id_fields = ["consultation"]


class RevisionInline(admin.TabularInline):
    model = PositionRevision
    extra = 0
    readonly_fields = ["number", "signed_by", "stance", "source", "created_at"]
    exclude = ["html", "answers"]
    can_delete = False


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ["organisation", "consultation", "stance", "revision_count", "updated_at", "hidden_at"]
    list_filter = ["stance", "hidden_at"]
    search_fields = ["organisation__name", "consultation__thread__title", "source"]
    readonly_fields = ["consultation", "organisation", "signed_by", "revision_count", "created_at", "updated_at"]
    inlines = [RevisionInline]


@admin.register(PositionRevision)
class PositionRevisionAdmin(admin.ModelAdmin):
    list_display = ["position", "number", "stance", "signed_by", "created_at"]
    list_filter = ["stance"]
    search_fields = ["position__organisation__name", "source"]
    readonly_fields = ["position", "number", "signed_by", "stance", "source", "html", "answers", "created_at"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["consultation", "organisation", "sent_at", "recipients"]
    list_filter = ["sent_at"]
    search_fields = ["organisation__name", "consultation__thread__title"]
    raw_id_fields = ["consultation", "organisation"]
