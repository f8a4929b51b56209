"""Live events of the categories app: who may see a category changed.

Every open socket that shows a category's content (list pages, thread pages) joins the category's
access group; when the category's visibility, parent, allowed roles, allowed organisations or
moderators change (or it is deleted), `categories.access.changed` is sent there and to its
subcategories' groups, and each socket checks its reader's access again. The event carries only
the id: sockets do not trust its content.
"""

from __future__ import annotations

ACCESS_CHANGED = "categories.access.changed"


def access_group(category_id: int) -> str:
    """Every open socket showing something of this category."""
    return f"categories.access.{int(category_id)}"


def access_changed(category_id: int) -> dict:
    return {"type": ACCESS_CHANGED, "category_id": int(category_id)}
