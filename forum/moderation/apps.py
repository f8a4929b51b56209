from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "forum.moderation"
    label = "moderation"
    verbose_name = _("Moderation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from forum.consultations import signals as consultations_signals
        from forum.core import screening
        from forum.discussions import signals as discussions_signals
        from forum.live import signals as live_signals
        from forum.notifications import consumers, texts

        from . import notices, receivers, services, watchwords

        texts.register_describer("moderation", notices.describe)
        consumers.forward_badge_event(services.EVENT_QUEUE)
        # Posts, titles, chat messages and questions are screened with the watched words.
        screening.register("watched_words", watchwords.screen)
        discussions_signals.post_for_review.connect(receivers.post_for_review,
                                                    dispatch_uid="moderation_post_for_review")
        consultations_signals.position_for_review.connect(receivers.position_for_review,
                                                          dispatch_uid="moderation_position_for_review")
        live_signals.for_review.connect(receivers.live_for_review, dispatch_uid="moderation_live_for_review")
        live_signals.decided.connect(receivers.live_decided, dispatch_uid="moderation_live_decided")
