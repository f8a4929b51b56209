"""Recount the stored counters from the rows (`manage.py recount_counters`).

The services keep the counters in step (see "Counters" in services/_common.py and docs/threads.md); this
repairs counts that drifted before that was so (post deletions never lowered a category's count,
moves carried hidden posts) or after a hand edit in the admin. Safe to run at any time and to run
again; each row is written only when its count differs.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q

from forum.categories.models import Category

from .models import Post, Thread

COUNTED = Q(deleted_at__isnull=True, hidden_at__isnull=True)


@transaction.atomic
def counters_recount() -> tuple[int, int]:
    """Set every thread's reply count and every category's thread and post counts to a recount;
    returns how many threads and categories were corrected."""
    replies = dict(Post.objects.filter(COUNTED, depth__gt=0).order_by()
                   .values_list("thread").annotate(n=Count("id")).values_list("thread", "n"))
    fixed_threads = 0
    for pk, stored in Thread.objects.order_by().values_list("pk", "reply_count"):
        if stored != replies.get(pk, 0):
            fixed_threads += Thread.objects.filter(pk=pk).update(reply_count=replies.get(pk, 0))
    threads = dict(Thread.objects.filter(deleted_at__isnull=True).order_by().values_list("category")
                   .annotate(n=Count("id")).values_list("category", "n"))
    posts = dict(Post.objects.filter(COUNTED, thread__deleted_at__isnull=True).order_by().values_list("thread__category")
                 .annotate(n=Count("id")).values_list("thread__category", "n"))
    fixed_categories = 0
    for category in Category.objects.select_for_update().order_by("pk"):
        expected = (threads.get(category.pk, 0), posts.get(category.pk, 0))
        if (category.thread_count, category.post_count) != expected:
            category.thread_count, category.post_count = expected
            category.save(update_fields=["thread_count", "post_count"])
            fixed_categories += 1
    return fixed_threads, fixed_categories
