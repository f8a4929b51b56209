"""Reaction services: which reactions a category offers, and adding or taking one back."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from forum.core import conf

from .. import permissions
from ..models import Post, Reaction


def reactions_for(category) -> list[str]:
    """The reactions offered in a category: the fixed set, plus agree/disagree in consultations."""
    allowed = list(conf.FORUM_REACTIONS)
    if getattr(category, "is_consultation", False):
        allowed += list(conf.FORUM_CONSULTATION_REACTIONS)
    return allowed


@transaction.atomic
def reaction_toggle(*, actor, post: Post, emoji: str) -> bool:
    """Add the reaction, or take it back if it was there. Returns True when it is now on.

    `Post.reaction_counts` is recounted from the reactions inside the same transaction, with the
    post row locked, so concurrent toggles cannot leave it out of step.
    """
    permissions.check_react_to_post(actor, post)
    if emoji not in reactions_for(post.thread.category):
        raise ValidationError(_("This reaction is not available here."), code="bad_reaction")
    locked = Post.objects.select_for_update().only("pk").get(pk=post.pk)
    deleted, _rows = Reaction.objects.filter(post=locked, user=actor, emoji=emoji).delete()
    added = not deleted
    if added:
        Reaction.objects.create(post=locked, user=actor, emoji=emoji)
    counts = dict(Reaction.objects.filter(post=locked).values("emoji").annotate(n=Count("id"))
                  .values_list("emoji", "n"))
    Post.objects.filter(pk=post.pk).update(reaction_counts=counts)
    post.reaction_counts = counts
    return added
