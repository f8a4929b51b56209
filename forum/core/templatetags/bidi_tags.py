"""Template filters for user text inside translated sentences (forum.core.bidi).

`{{ name|bdi }}` in HTML (`{% blocktranslate with name=user.public_name|bdi %}`);
`{{ title|isolate }}` in plain text: emails, `<title>`.
"""

from django import template

from forum.core import bidi as core_bidi

register = template.Library()


@register.filter
def bdi(value):
    return core_bidi.bdi(value)


@register.filter
def isolate(value):
    return core_bidi.isolate(value)
