from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read only: nobody adds, changes or deletes an entry here (nor anywhere: see models.py)."""

    list_display = ["created_at", "actor", "verb", "target_repr", "scope"]
    list_filter = ["verb"]
    # The actor is a nullable key without a constraint: join it (a removed user reads as empty).
    list_select_related = ["actor"]
    search_fields = ["verb", "target_repr", "reason", "actor__email", "scope"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
