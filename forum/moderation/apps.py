from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "forum.moderation"
    label = "moderation"
    verbose_name = _("Moderation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from forum.notifications import consumers, texts

        from . import notices, services

        texts.register_describer("moderation", notices.describe)
        consumers.forward_badge_event(services.EVENT_QUEUE)
