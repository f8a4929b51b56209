"""Keep the index in step with discussions without discussions knowing about search.

A new or edited post is indexed after its transaction commits, by the background worker
(`services.post_index_after_commit`: the request only queues it); removals and thread changes are
re-indexed in the same transaction. A post or thread removed from the database takes its documents with it through the
foreign keys (ON DELETE CASCADE), so no post_delete receiver is needed — one would also stop
Django from deleting posts in bulk. Writes made with `QuerySet.update()` send no signal; the selectors therefore also
check deletion and hiding on the live rows, and `rebuild_search_index` repairs any drift.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from forum.discussions.models import Post, Thread
from forum.discussions.signals import posts_rerendered

from . import services

# Saves that touch only these fields change nothing that is searched.
_POST_IRRELEVANT = frozenset({"reaction_counts", "edit_count"})
_THREAD_IRRELEVANT = frozenset({"last_activity_at", "last_post_id", "reply_count", "view_count", "pinned",
                                "locked"})


@receiver(post_save, sender=Post, dispatch_uid="search_post_saved")
def post_saved(sender, instance: Post, created=False, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields and set(update_fields) <= _POST_IRRELEVANT):
        return
    services.post_index_after_commit(post=instance)


@receiver(post_save, sender=Thread, dispatch_uid="search_thread_saved")
def thread_saved(sender, instance: Thread, created=False, raw=False, update_fields=None, **kwargs):
    if raw or created or (update_fields and set(update_fields) <= _THREAD_IRRELEVANT):
        return
    services.thread_reindex(thread=instance)


@receiver(posts_rerendered, sender=Post, dispatch_uid="search_posts_rerendered")
def posts_rerendered_reindex(sender, post_ids, **kwargs):
    """`rerender_posts` rewrote these posts' HTML with a bulk update: their documents follow in the
    same transaction (a repair must not leave a stale document, e.g. one holding leaked text)."""
    for post in Post.objects.filter(pk__in=post_ids).select_related("thread"):
        services.post_index(post=post)
