"""The thread page's poll section (`templates/polls/_poll.html`): the thread's poll as its reader
sees it, or whether they may add one. One query when the thread has no poll."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language_bidi

from forum.categories.permissions import allows

from .. import permissions, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def poll_section(context, thread) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    poll = selectors.poll_for_thread(thread)
    if poll is None:
        may_add = bool(user and user.is_authenticated and allows(permissions._check_author_or_moderator_for_page, user, thread))
        return {"view": None, "may_add": may_add}
    poll.thread = thread
    return {"view": selectors.poll_view_for_viewer(poll=poll, viewer=user), "may_add": False}


@register.simple_tag
def chart_rows(rows) -> list[dict]:
    """Rows of the SVG bar chart, laid out in the page's direction (bars grow from the start side)."""
    rtl = get_language_bidi()
    laid = []
    for i, row in enumerate(rows):
        bar = max(row.bar, 0.5 if row.count else 0.0)
        laid.append({"row": row, "label_y": i * 46 + 16, "bar_y": i * 46 + 22, "bar": bar,
                     "bar_x": round(100 - bar, 1) if rtl else 0, "text_x": "100%" if rtl else "0"})
    return laid


@register.filter
def chart_height(rows) -> int:
    return max(len(rows), 1) * 46 + 4
