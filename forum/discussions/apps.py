from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "forum.discussions"
    label = "discussions"

    def ready(self):
        # Category pages show unread counts that this app knows (see forum.categories.extensions).
        try:
            from . import selectors_unread
        except ImportError:
            return
        from forum.categories import extensions

        for kind, name in (("threads", "unread_counts_for"), ("categories", "unread_counts_by_category")):
            provider = getattr(selectors_unread, name, None)
            if provider is not None:
                extensions.register_unread_provider(kind, provider)
