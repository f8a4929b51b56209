"""Re-render every post's stored HTML from its Markdown source with the current rich-text policy.

Run after changing forum/core/richtext.py (allowlist, link or image rules): posts are rendered once,
on write, so old posts keep the old policy until this runs. Reads in batches with iterator(),
writes only the posts whose HTML changes, with bulk_update per batch.

It is also the repair for HTML stored wrong (the shared-Cleaner race before 2026-12 stored other
posts' text, or nothing, in some posts; see docs/upgrading.md): what was derived from a repaired
post's HTML follows it in the same batch — the excerpt quoted by its notifications and its search
document (through `posts_rerendered`). The Markdown source was never affected.

    manage.py rerender_posts [--dry-run] [--batch-size N]
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from forum.core import richtext
from forum.discussions import activity
from forum.discussions.models import Post
from forum.discussions.signals import posts_rerendered


def render_for_storage(source: str, users) -> str:
    """What a post's HTML is under the current policy: the source with its mentions resolved."""
    return richtext.render_post(source, mentions=richtext.mention_map(source, users))


@transaction.atomic
def _write(posts: list[Post]) -> None:
    """Store the new HTML of a batch, and bring what quotes or indexes it into line."""
    Post.objects.bulk_update(posts, ["html"])
    activity.excerpts_refresh(posts)
    posts_rerendered.send(sender=Post, post_ids=[post.pk for post in posts])


class Command(BaseCommand):
    help = "Re-render every post's HTML from its source with the current rich-text policy."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count the posts that would change; write nothing.")
        parser.add_argument("--batch-size", type=int, default=500, help="Posts read and written per batch.")

    def handle(self, *args, dry_run: bool = False, batch_size: int = 500, **options):
        batch_size = max(1, batch_size)
        users = get_user_model().objects.filter(is_active=True, deleted_at__isnull=True)
        checked = changed = 0
        pending: list[Post] = []
        posts = Post.objects.only("pk", "source", "html").order_by("pk")
        for post in posts.iterator(chunk_size=batch_size):
            checked += 1
            html = render_for_storage(post.source, users)
            if html == post.html:
                continue
            changed += 1
            if dry_run:
                continue
            post.html = html
            pending.append(post)
            if len(pending) >= batch_size:
                _write(pending)
                pending = []
        if pending:
            _write(pending)
        if dry_run:
            self.stdout.write(f"Dry run: {changed} of {checked} posts would change; nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Re-rendered {checked} posts: {changed} changed, "
                                                 f"{checked - changed} already up to date."))
