from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "forum.discussions"
    label = "discussions"

    def ready(self):
        # Posts whose notifications the worker has not written yet: `send_pending_emails` does them.
        from forum.notifications import outbox

        from . import activity

        outbox.register_pending(activity.process_pending_fanout)
