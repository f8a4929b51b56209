from django.contrib import admin

from .models import Consultation, Position, PositionRevision


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ["thread", "deadline", "synthesis_published_at"]
    raw_id_fields = ["thread", "created_by", "synthesis_by"]
    filter_horizontal = ["organisers"]


class RevisionInline(admin.TabularInline):
    model = PositionRevision
    extra = 0
    readonly_fields = ["number", "signed_by", "stance", "source", "created_at"]
    exclude = ["html", "answers"]
    can_delete = False


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ["organisation", "consultation", "stance", "revision_count", "updated_at", "hidden_at"]
    list_filter = ["stance"]
    readonly_fields = ["consultation", "organisation", "signed_by", "revision_count", "created_at", "updated_at"]
    inlines = [RevisionInline]
