"""What discussions hold about a person besides their posts: subscriptions and read marks."""

from forum.core import personal_data

from .models import ReadState, Subscription


def export_subscriptions(user):
    return [
        {"thread": s.thread_id, "category": s.category_id, "level": s.level}
        for s in Subscription.objects.filter(user=user).order_by("id")
    ]


def erase_subscriptions(user):
    Subscription.objects.filter(user=user).delete()


def export_read_states(user):
    return [
        {"thread": r.thread_id, "last_read_post": r.last_read_post_id, "updated_at": r.updated_at.isoformat()}
        for r in ReadState.objects.filter(user=user).order_by("thread_id")
    ]


def erase_read_states(user):
    from .unread import forget_marks

    states = ReadState.objects.filter(user=user)
    forget_marks(user, list(states.values_list("thread_id", flat=True)))
    states.delete()


personal_data.register("discussions.subscriptions", export=export_subscriptions, erase=erase_subscriptions)
personal_data.register("discussions.read_state", export=export_read_states, erase=erase_read_states)
