"""Reads for category pages: the category tree a reader may see, and one category by its short name.

The pages themselves (the list of categories with unread counts, a category's threads) are in
`forum.discussions.selectors_categories`, beside the threads they list.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from . import permissions
from .models import Category


@dataclass
class CategoryTree:
    categories: list[Category]  # top level, each with `.visible_children`, in position order
    rows: list[Category]        # every visible category, top level or not


def category_tree_for_viewer(*, viewer) -> CategoryTree:
    """Top-level categories the viewer may see, each with `.visible_children`, in position order.

    A subcategory whose parent the viewer may not see is shown at the top level."""
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
    return CategoryTree(categories=top, rows=rows)


def category_get_for_viewer(*, slug: str, viewer) -> Category:
    """The category named by `slug`, or Http404 if it does not exist or the viewer may not see it."""
    category = Category.objects.select_related("parent").filter(slug=slug).first()
    if category is None:
        raise Http404
    permissions.check_view_category(viewer, category)
    return category
