"""`{{ moment|short_datetime }}` and `{{ moment|since }}` (forum.core.dates)."""

from django import template

from forum.core import dates

register = template.Library()


@register.filter
def short_datetime(value):
    return dates.short_datetime(value) if value else ""


@register.filter
def long_datetime(value):
    return dates.long_datetime(value) if value else ""


@register.filter
def since(value):
    return dates.since(value) if value else ""
