"""`{% script_catalogue_url %}`: the cacheable address of the scripts' words in the page's language
(forum/core/catalogue.py), which static/js/i18n.js reads from `<body data-catalogue>`."""

from django import template
from django.utils.translation import get_language

from forum.core import catalogue

register = template.Library()


@register.simple_tag
def script_catalogue_url() -> str:
    return catalogue.url_for((get_language() or "").split("-")[0])
