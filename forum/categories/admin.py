"""Administrators arrange categories here: tree (one level), visibility, posting policies, moderators.

Every write goes through `services.py` (checked, audited, announced to open sockets): the admin
saves nothing itself.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from . import permissions, services
from .models import Category


class CategoryForm(admin.ModelAdmin.form):
    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        try:
            services.validate_parent(self.instance, parent)
        except ValidationError as error:
            raise ValidationError(error.message_dict["parent"]) from None
        return parent


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryForm
    list_display = ("name", "parent", "position", "visibility", "start_policy", "reply_policy", "is_consultation",
                    "thread_count")
    list_editable = ("position",)
    list_filter = ("visibility", "is_consultation", "premoderate")
    search_fields = ("name", "name_ar", "name_fr", "name_en", "slug")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("moderators", "allowed_organisations")
    readonly_fields = ("thread_count", "post_count", "last_activity_at")
    fieldsets = (
        (None, {"fields": ("name", "slug", "description", "parent", "position")}),
        (gettext_lazy("Name and description per language (empty: the ones above)"),
         {"fields": ("name_ar", "description_ar", "name_fr", "description_fr", "name_en", "description_en")}),
        (gettext_lazy("Who may read"), {"fields": ("visibility", "allowed_organisations", "allowed_roles")}),
        (gettext_lazy("Who may write"), {"fields": ("start_policy", "reply_policy", "is_consultation", "premoderate",
                                                  "moderators")}),
        (gettext_lazy("Counters"), {"fields": ("thread_count", "post_count", "last_activity_at")}),
    )

    def _may_manage(self, request) -> bool:
        return permissions.allows(lambda user, _obj: permissions.check_manage_categories(user), request.user, None)

    def has_module_permission(self, request):
        return self._may_manage(request)

    def has_view_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_add_permission(self, request):
        return self._may_manage(request)

    def has_change_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_manage(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = Category.objects.filter(parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """Create or change through the services (the form has already checked the input)."""
        fields = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS if name in form.cleaned_data}
        if change:
            services.category_update(actor=request.user, category=obj, **fields)
        else:
            created = services.category_create(actor=request.user, **fields)
            obj.pk = created.pk
            obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """Organisations and moderators through their services (audited, announced when narrowed)."""
        category = form.instance
        if "allowed_organisations" in form.cleaned_data:
            services.category_allowed_organisations_set(
                actor=request.user, category=category, organisations=form.cleaned_data["allowed_organisations"])
        if "moderators" in form.cleaned_data:
            services.category_moderators_set(actor=request.user, category=category,
                                             moderators=form.cleaned_data["moderators"])
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        services.category_delete(actor=request.user, category=obj)

    def delete_queryset(self, request, queryset):
        """The "delete selected" action (after its confirmation page), one category at a time."""
        for category in queryset.order_by("pk"):
            if Category.objects.filter(pk=category.pk).exists():  # not gone with its parent already
                services.category_delete(actor=request.user, category=category)
