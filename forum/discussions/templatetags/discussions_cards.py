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


@register.simple_tag
def reaction_choices(category, post=None):
    """The reactions a category offers, as buttons of the page's one reactions form (`form="react"`):
    for the post given ("<post> <reaction>", pressed when the reader has given it), or with the post
    left out (" <reaction>") for the thread page's picker template, which the script fills in."""
    from forum.discussions.services import reactions_for

    mine = set(getattr(post, "my_reactions", None) or ())
    prefix = str(post.pk) if post is not None else ""
    buttons = []
    for emoji in reactions_for(category):
        css = "" if reaction_icon(emoji) else ' class="reaction-text"'
        buttons.append(f'<button form="react" name="r" value="{prefix} {escape(emoji)}"{css} '
                       f'aria-pressed="{"true" if emoji in mine else "false"}">'
                       f'<span>{escape(reaction_label(emoji))}</span></button>')
    return mark_safe("".join(buttons))  # noqa: S308 - every value is escaped
