"""The thread page's note that its thread is a consultation (`templates/consultations/_thread_banner.html`)."""

from __future__ import annotations

from django import template

from forum.discussions.models import Thread

from ..models import Consultation

register = template.Library()


@register.simple_tag
def consultation_of(thread) -> Consultation | None:
    """The thread's consultation, or None: no query when the thread came with it (the thread page's
    query joins it, see `ConsultationsConfig.ready`), else one."""
    if Thread.consultation.is_cached(thread):
        try:
            return thread.consultation
        except Consultation.DoesNotExist:
            return None
    return Consultation.objects.filter(thread_id=thread.pk).first()
