from django.contrib import admin

from .models import ScheduledJobRun


class ReadOnlyAdmin(admin.ModelAdmin):
    """Look up, never write: the apps' content changes only through their services (which check,
    audit and announce), so their admin pages offer no add, change or delete."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.concrete_fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
