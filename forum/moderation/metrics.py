"""The review queue for operators (forum/core/metrics.py): items waiting for a moderator."""

from forum.core import metrics

from .models import ReviewItem


@metrics.probe(name="madaniya_moderation_queue_open", doc="Items in the review queue waiting for a decision")
def queue_open() -> float:
    return ReviewItem.objects.filter(state=ReviewItem.State.OPEN).count()
