"""Template filters for user text inside translated sentences (forum.core.bidi).

`{{ name|bdi }}` in HTML (`{% blocktranslate with name=user.public_name|bdi %}`);
`{{ title|isolate }}` in plain text: emails, `<title>`; `{{ description|paragraphs }}`: plain text as
paragraphs whose lines each take their own direction.
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


@register.filter
def paragraphs(value):
    return core_bidi.paragraphs(value)
