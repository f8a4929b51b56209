"""`{% post_card post %}`: one post's card (see forum.discussions.cards), for templates."""

from django import template
from django.templatetags.static import static
from django.utils.html import escape
from django.utils.safestring import mark_safe

from forum.discussions.cards import CardRenderer, reaction_face
from forum.discussions.selectors import reaction_icon, reaction_label

register = template.Library()


@register.simple_tag(takes_context=True)
def post_card(context, post, can_reply=False):
    card = getattr(post, "card", None)
    if card is None:
        card = CardRenderer(context.get("request"), can_reply=bool(can_reply)).render(post)
    return card


@register.simple_tag
def reaction(emoji):
    """`{% reaction "👍" %}`: the reaction's icon and spoken name, as on the post cards."""
    face = reaction_face(icon=reaction_icon(emoji), label=str(reaction_label(emoji)),
                         icons_url=escape(static("img/icons.svg")))
    return mark_safe(face)  # noqa: S308 - reaction_face escapes every value
