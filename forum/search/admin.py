from django.contrib import admin

from .models import PendingDocument, SearchDocument


@admin.register(SearchDocument)
class SearchDocumentAdmin(admin.ModelAdmin):
    """Read-only view of the index (rebuild with `manage.py rebuild_search_index`)."""

    list_display = ("post", "thread", "category", "author", "created_at")
    list_filter = ("category",)
    search_fields = ("title_norm", "body_norm", "author__email")
    raw_id_fields = ("post", "thread", "category", "author", "organisation")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PendingDocument)
class PendingDocumentAdmin(admin.ModelAdmin):
    """Posts waiting for their search document (the worker, or the every-minute catch-up, builds them)."""

    list_display = ("post", "queued_at")
    list_filter = ("queued_at",)
    search_fields = ("post__id",)
    raw_id_fields = ("post",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
