from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PollsConfig(AppConfig):
    name = "forum.polls"
    label = "polls"
    verbose_name = _("Polls")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The thread page's thread query brings the poll along (one join, no query of its own).
        from forum.discussions import selectors

        selectors.register_thread_neighbour("poll")
