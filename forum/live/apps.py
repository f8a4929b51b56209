from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "forum.live"
    label = "live"
    verbose_name = _("Live sessions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Notifications about a session (its reminder) show only while the reader may see it.
        from forum.notifications import permissions as notification_permissions

        from . import reminders

        notification_permissions.register_subject(reminders.SUBJECT, reminders.readable_sessions)
