"""`{{ session.user_agent|agent }}`: the browser and device a session's User-Agent names
(`forum.accounts.useragent.describe`), for the sessions page."""

from __future__ import annotations

from django import template

from forum.accounts.useragent import describe

register = template.Library()


@register.filter
def agent(user_agent):
    return describe(user_agent)
