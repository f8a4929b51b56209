"""Administrators arrange categories here: tree (one level), visibility, posting policies, moderators."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Category


class CategoryForm(admin.ModelAdmin.form):
    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent is not None and parent.parent_id is not None:
            raise ValidationError(_("Categories are one level deep: a subcategory cannot hold subcategories."))
        if parent is not None and self.instance.pk and self.instance.children.exists():
            raise ValidationError(_("This category has subcategories, so it cannot become one."))
        return parent


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryForm
    list_display = ("name", "parent", "position", "visibility", "start_policy", "reply_policy", "is_consultation",
                    "thread_count")
    list_editable = ("position",)
    list_filter = ("visibility", "is_consultation")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("moderators", "allowed_organisations")
    readonly_fields = ("thread_count", "post_count", "last_activity_at")
    fieldsets = (
        (None, {"fields": ("name", "slug", "description", "parent", "position")}),
        (_("Who may read"), {"fields": ("visibility", "allowed_organisations", "allowed_roles")}),
        (_("Who may write"), {"fields": ("start_policy", "reply_policy", "is_consultation", "moderators")}),
        (_("Counters"), {"fields": ("thread_count", "post_count", "last_activity_at")}),
    )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = Category.objects.filter(parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
