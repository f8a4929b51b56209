from django.contrib import admin

from .models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "created_at", "read_at", "emailed_at", "email_due_at")
    # "Email due: not empty" lists what the outbox has not sent yet (see outbox.py).
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter), ("emailed_at", admin.EmptyFieldListFilter),
                   ("email_due_at", admin.EmptyFieldListFilter))
    search_fields = ("recipient__email", "recipient__display_name", "url")
    raw_id_fields = ("recipient", "actor")
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email", "last_digest_at")
    list_filter = ("email",)
    search_fields = ("user__email", "user__display_name")
    raw_id_fields = ("user",)
