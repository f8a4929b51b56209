from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "forum.consultations"
    label = "consultations"
    verbose_name = _("Consultations")

    def ready(self) -> None:
        from forum.discussions import selectors
        from forum.notifications import texts

        from . import jobs, reminders  # noqa: F401  (declares the reminder job)

        texts.register_describer(reminders.DESCRIBER, reminders.describe)
        # The thread page's thread query brings the consultation along (its banner asks nothing more).
        selectors.register_thread_neighbour("consultation")
