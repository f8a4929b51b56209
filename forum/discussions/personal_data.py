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


def export_authored(user):
    """Threads, posts (with their earlier versions), reactions and images the member wrote or added."""
    from .models import Attachment, Post, PostRevision, Reaction, Thread

    return {
        "threads": [
            {"id": t.pk, "title": t.title, "category": t.category_id, "created_at": t.created_at.isoformat(),
             "on_behalf_of": t.on_behalf_of_id}
            for t in Thread.objects.filter(author=user).order_by("id")
        ],
        "posts": [
            {"id": p.pk, "thread": p.thread_id, "parent": p.parent_id, "text": p.source,
             "created_at": p.created_at.isoformat(), "edited_at": p.edited_at.isoformat() if p.edited_at else None,
             "deleted": p.deleted_at is not None, "on_behalf_of": p.on_behalf_of_id}
            for p in Post.objects.filter(author=user).order_by("id")
        ],
        "post_revisions_by_me": [
            {"post": r.post_id, "text_before": r.source, "created_at": r.created_at.isoformat()}
            for r in PostRevision.objects.filter(editor=user).order_by("id")
        ],
        "reactions": [
            {"post": r.post_id, "reaction": r.emoji, "created_at": r.created_at.isoformat()}
            for r in Reaction.objects.filter(user=user).order_by("id")
        ],
        "images": [
            {"id": a.pk, "post": a.post_id, "content_type": a.content_type, "size": a.size,
             "url": f"/t/attachments/{a.pk}/", "created_at": a.created_at.isoformat()}
            for a in Attachment.objects.filter(uploader=user).order_by("id")
        ],
    }


def erase_authored(user):
    """Authored posts and threads stay, signed "Former member" (docs/data-rights.md); images never
    attached to a post are the member's alone and go, files included."""
    from .models import Attachment

    for attachment in Attachment.objects.filter(uploader=user, post__isnull=True):
        attachment.file.delete(save=False)
        attachment.delete()


personal_data.register("discussions.authored", export=export_authored, erase=erase_authored)
