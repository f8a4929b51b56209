from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "forum.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self):
        # Discussions must not know about search, so the index follows its writes through signals.
        from . import jobs, signals  # noqa: F401
