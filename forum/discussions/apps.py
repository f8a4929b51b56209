from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "forum.discussions"
    label = "discussions"

    def ready(self):
        # Category pages show unread counts that this app knows (see forum.categories.extensions).
        from forum.categories import extensions

        from . import unread

        extensions.register_unread_provider("threads", unread.unread_counts)
        extensions.register_unread_provider("categories", unread.category_unread_counts)

        # Notifications about a thread show (list, count, emails) only while the reader may see it.
        from forum.notifications import permissions as notification_permissions

        from . import permissions

        notification_permissions.register_subject("thread_id", permissions.readable_threads)
