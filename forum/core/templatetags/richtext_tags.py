"""Template helpers for stored user HTML (forum.core.richtext)."""

from django import template

from forum.core import richtext

register = template.Library()


@register.filter
def content_dir(html) -> str:
    """The `dir` for the element that holds a sanitised fragment: its first strong letter's
    direction, else "auto". (`dir="auto"` alone would read as left to right: every block inside
    carries its own `dir`, and the browser skips those.)"""
    return richtext.html_direction(str(html or "")) or "auto"
