from django.contrib import admin

from .models import ScheduledJobRun


@admin.register(ScheduledJobRun)
class ScheduledJobRunAdmin(admin.ModelAdmin):
    """When each periodic job last ran (forum/core/jobs.py); read-only: the scheduler writes it."""

    list_display = ("name", "period", "started_at", "finished_at", "failed")
    list_filter = ("failed", ("finished_at", admin.EmptyFieldListFilter))
    search_fields = ("name",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
