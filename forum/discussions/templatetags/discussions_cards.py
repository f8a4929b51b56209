"""`{% post_card post %}`: one post's card (see forum.discussions.cards), for templates."""

from django import template

from forum.discussions.cards import CardRenderer

register = template.Library()


@register.simple_tag(takes_context=True)
def post_card(context, post, can_reply=False):
    card = getattr(post, "card", None)
    if card is None:
        card = CardRenderer(context.get("request"), can_reply=bool(can_reply)).render(post)
    return card
