"""The e-mail outbox for operators (forum/core/metrics.py): how much waits, and for how long."""

from django.db.models import Min
from django.utils import timezone

from forum.core import metrics

from .models import Notification


@metrics.probe(name="madaniya_email_outbox_pending", doc="Notification e-mails waiting to be sent")
def outbox_pending() -> float:
    return Notification.objects.filter(email_due_at__isnull=False).count()


@metrics.probe(name="madaniya_email_outbox_oldest_seconds",
               doc="Age of the oldest notification e-mail waiting to be sent (0: none waits)")
def outbox_oldest_seconds() -> float:
    oldest = Notification.objects.filter(email_due_at__isnull=False).aggregate(oldest=Min("created_at"))["oldest"]
    return 0.0 if oldest is None else max(0.0, (timezone.now() - oldest).total_seconds())
