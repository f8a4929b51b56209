from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "forum.discussions"
    label = "discussions"

    def ready(self):
        # Posts whose notifications the worker has not written yet: `send_pending_emails` does them.
        from forum.notifications import outbox

        from . import activity, permissions

        outbox.register_pending(activity.process_pending_fanout)

        # Notifications about a thread show (list, count, emails) only while the reader may see it.
        from forum.notifications import permissions as notification_permissions

        notification_permissions.register_subject("thread_id", permissions.readable_threads)
