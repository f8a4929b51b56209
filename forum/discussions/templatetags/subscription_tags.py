"""`{% subscription_control thread=thread %}` / `{% subscription_control category=category %}`:
the compact watch/track/mute form with the member's current level (one query; none for visitors)."""

from django import template

from forum.discussions import subscriptions

register = template.Library()


@register.inclusion_tag("notifications/_subscription_select.html", takes_context=True)
def subscription_control(context, thread=None, category=None):
    user = context.get("user")
    if thread is not None:
        level = subscriptions.thread_level(user, thread)
    elif category is not None:
        level = subscriptions.category_level(user, category)
    else:
        level = ""
    return {"thread": thread, "category": category, "level": level, "user": user,
            "request": context.get("request"), "csrf_token": context.get("csrf_token")}
