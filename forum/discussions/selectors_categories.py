"""Reads for the category pages: the list of categories with unread counts, one category's threads,
and the rows the live list asks for.

They live here, beside the threads they list, so every rule comes from its one home: which threads a
reader sees is `permissions.visible_threads`, who may speak for an organisation is
`permissions.check_speak_for_organisation`, unread counts are `unread`. The category tree itself (which
categories a reader sees, and how they nest) is `forum.categories.selectors`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator

from forum.accounts import permissions as accounts
from forum.categories import permissions as category_permissions
from forum.categories import selectors as category_selectors
from forum.categories.models import Category

from . import permissions, unread
from .models import Thread

THREADS_PER_PAGE = 30

# The live list asks for at most a page's worth of rows at once; further ids are dropped.
LIVE_ROWS_MAX = THREADS_PER_PAGE

# Pinned threads first, then by last activity: the page and the live rows agree.
THREAD_ORDER = ("-pinned", "-last_activity_at", "-id")


@dataclass
class CategoryIndex:
    categories: list[Category]  # top level, each with `.visible_children` and `.unread_count`
    unread: dict[int, int]      # {category id: unread posts}, for every visible category


def category_index_for_viewer(*, viewer) -> CategoryIndex:
    """The categories the viewer may see (see `category_tree_for_viewer`), each with `.unread_count`:
    the unread posts of its own visible threads (one aggregate query; none for visitors)."""
    tree = category_selectors.category_tree_for_viewer(viewer=viewer)
    counts = unread.category_unread_counts(viewer, [c.pk for c in tree.rows])
    for c in tree.rows:
        c.unread_count = counts.get(c.pk, 0)
    return CategoryIndex(categories=tree.categories, unread=counts)


def _category_threads(viewer, category):
    return permissions.visible_threads(viewer, Thread.objects.filter(category=category))


def _with_unread_counts(viewer, threads) -> None:
    counts = unread.unread_counts(viewer, [t.pk for t in threads])
    for t in threads:
        t.unread_count = counts.get(t.pk, 0)


@dataclass
class CategoryPage:
    category: Category
    page: Page                      # of threads, each with `.unread_count`
    subcategories: list[Category]   # the visible ones
    can_start_thread: bool
    can_speak_for_organisation: bool
    organisation: object | None     # the one the viewer may speak for

    @property
    def threads(self) -> list[Thread]:
        return self.page.object_list


def category_page_for_viewer(*, category, viewer, page_number=1) -> CategoryPage:
    """One page of the category's threads the viewer may read (deleted ones only for its moderators),
    pinned first, then by last activity, with what the page offers the viewer."""
    qs = _category_threads(viewer, category).select_related("author", "on_behalf_of").order_by(*THREAD_ORDER)
    page = Paginator(qs, THREADS_PER_PAGE).get_page(page_number)
    _with_unread_counts(viewer, page.object_list)
    can_start = permissions.allows(permissions.check_start_thread, viewer, category)
    speaks = can_start and permissions.allows(permissions.check_speak_for_organisation, viewer, None)
    return CategoryPage(
        category=category, page=page,
        subcategories=[c for c in category.children.all() if category_permissions.can_view_category(viewer, c)],
        can_start_thread=can_start,
        can_speak_for_organisation=speaks,
        organisation=accounts.membership(viewer).organisation if speaks else None,
    )


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


def category_thread_rows_for_viewer(*, category, viewer, thread_ids) -> list[Thread]:
    """The named threads of this category the viewer may see, ordered as on the page (pinned first),
    with `.unread_count`. Ids of other categories' threads, or of threads the viewer may not see,
    are silently left out."""
    ids = list(thread_ids)[:LIVE_ROWS_MAX]
    if not ids:
        return []
    threads = list(_category_threads(viewer, category).filter(pk__in=ids)
                   .select_related("author", "on_behalf_of").order_by(*THREAD_ORDER))
    _with_unread_counts(viewer, threads)
    return threads
