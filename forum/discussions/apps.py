from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscussionsConfig(AppConfig):
    name = "forum.discussions"
    label = "discussions"
    verbose_name = _("Discussions")

    def ready(self):
        # Notifications about a thread show (list, count, emails) only while the reader may see it.
        from forum.notifications import permissions as notification_permissions

        from . import permissions

        notification_permissions.register_subject("thread_id", permissions.readable_threads)
