from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "forum.core"
    label = "core"

    def ready(self):
        # Every app declares its background jobs in its own jobs.py (see forum/core/jobs.py).
        from . import jobs

        jobs.autodiscover()
