"""Reads for the category pages: the category tree with counters, and a category's thread list."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.http import Http404

from . import extensions, permissions
from .models import Category

THREADS_PER_PAGE = 30


@dataclass
class CategoryTree:
    categories: list[Category]
    unread: dict[int, int] = field(default_factory=dict)


def category_tree_for_viewer(*, viewer) -> CategoryTree:
    """Top-level categories the viewer may see, each with `.visible_children`, in position order."""
    rows = list(permissions.visible_categories(viewer).order_by("position", "name"))
    by_parent: dict[int, list[Category]] = {}
    for c in rows:
        if c.parent_id is not None:
            by_parent.setdefault(c.parent_id, []).append(c)
    top = []
    visible_ids = {c.pk for c in rows}
    for c in rows:
        c.visible_children = by_parent.get(c.pk, [])
        if c.parent_id is None or c.parent_id not in visible_ids:
            top.append(c)
    unread = extensions.unread_counts("categories", viewer, visible_ids)
    for c in rows:
        c.unread_count = unread.get(c.pk, 0)
    return CategoryTree(categories=top, unread=unread)


def category_get_for_viewer(*, slug: str, viewer) -> Category:
    """The category named by `slug`, or Http404 if it does not exist or the viewer may not see it."""
    category = Category.objects.select_related("parent").filter(slug=slug).first()
    if category is None:
        raise Http404
    permissions.check_view_category(viewer, category)
    return category


def visible_thread_rows(viewer, category):
    """The category's threads the viewer may see (deleted ones only for its moderators).

    Same rule as `forum.discussions.permissions.visible_threads`, written here through the reverse
    relation because categories sits below discussions.
    """
    qs = category.threads.all()
    if not permissions.is_category_moderator(viewer, category):
        qs = qs.filter(deleted_at__isnull=True)
    return qs


@dataclass
class ThreadList:
    page: Page
    unread: dict[int, int]


def category_threads_for_viewer(*, category, viewer, page_number=1) -> ThreadList:
    """One page of the category's threads: pinned first, then by last activity."""
    qs = (visible_thread_rows(viewer, category)
          .select_related("author", "on_behalf_of")
          .order_by("-pinned", "-last_activity_at", "-id"))
    page = Paginator(qs, THREADS_PER_PAGE).get_page(page_number)
    unread = extensions.unread_counts("threads", viewer, [t.pk for t in page.object_list])
    for t in page.object_list:
        t.unread_count = unread.get(t.pk, 0)
    return ThreadList(page=page, unread=unread)


# The live list asks for at most a page's worth of rows at once; further ids are dropped.
LIVE_ROWS_MAX = THREADS_PER_PAGE


def parse_thread_ids(raw: str) -> list[int]:
    """`"3,7,x,3"` -> `[3, 7]`: positive integers in order, duplicates and garbage dropped, capped."""
    ids: list[int] = []
    for part in (raw or "").split(","):
        part = part.strip()
        if part.isascii() and part.isdigit() and int(part) > 0 and int(part) not in ids:
            ids.append(int(part))
            if len(ids) >= LIVE_ROWS_MAX:
                break
    return ids


def category_thread_rows_for_viewer(*, category, viewer, thread_ids) -> list:
    """The named threads of this category the viewer may see, ordered as on the page (pinned first),
    with `.unread_count`. Ids of other categories' threads, or of threads the viewer may not see,
    are silently left out."""
    ids = list(thread_ids)[:LIVE_ROWS_MAX]
    if not ids:
        return []
    threads = list(visible_thread_rows(viewer, category).filter(pk__in=ids)
                   .select_related("author", "on_behalf_of")
                   .order_by("-pinned", "-last_activity_at", "-id"))
    unread = extensions.unread_counts("threads", viewer, [t.pk for t in threads])
    for t in threads:
        t.unread_count = unread.get(t.pk, 0)
    return threads
