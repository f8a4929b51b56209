"""Mention suggestions for the editor: who the writer may @mention in a thread or a new thread.

Members are matched by any word of their display name (or the whole name), compared after
`forum.core.arabic.normalise` on both sides (alef and hamza forms, tashkeel, case, accents kept as
search keeps them), the Arabic article skipped ("hadd" finds "Karim Haddad", "علي" finds "ريم العلي").
Only members the writer may see (`accounts.visible_users`) who may read the place
(`permissions.readers_among` for a thread, the category's readers for a new thread) are offered,
and only their display names: no email, no id.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from forum.accounts import permissions as accounts
from forum.categories import permissions as categories
from forum.core import arabic, conf, ratelimit

from . import audience, permissions

QUERY_MAX_CHARS = 60
# Members whose names match are checked for access in batches of this many, until enough are found.
_BATCH = 50


def _rank(name: str, query: str) -> int | None:
    """0 when the whole name starts with the query, 1 when one of its words does, else None."""
    folded = arabic.normalise(name)
    if folded.startswith(query):
        return 0
    for word in folded.split():
        if word.startswith(query) or arabic.strip_definite_article(word).startswith(query):
            return 1
    return None


def _clean_query(query: str) -> str:
    query = (query or "").strip().lstrip("@").lstrip("[")
    if len(query) > QUERY_MAX_CHARS:
        raise ValidationError(_("Type at most %(limit)d characters after @.") % {"limit": QUERY_MAX_CHARS},
                              code="too_long")
    return arabic.normalise(query)


def mention_suggestions(*, writer, query: str, thread=None, category=None) -> list[str]:
    """Display names (at most FORUM_MENTION_SUGGESTIONS_MAX) of members `writer` may @mention in
    `thread` (a reply) or `category` (a new thread) whose names match `query`, best first.

    The writer must be allowed to write there (`check_suggest_mentions[_new_thread]`, i.e. may reply / start:
    Http404 or PermissionDenied); asking is limited by FORUM_RATE_LIMITS["mention"] per member
    (ValidationError code "rate_limited"); a query over 60 characters is refused (code "too_long").
    An empty query suggests nobody. Reads only."""
    if thread is not None:
        permissions.check_suggest_mentions(writer, thread)
    else:
        permissions.check_suggest_mentions_new_thread(writer, category)
    folded = _clean_query(query)
    if not folded:
        return []
    if not ratelimit.consume("mention", key=writer.pk):
        raise ValidationError(_("You are asking for suggestions too fast. Please wait a moment."),
                              code="rate_limited")
    limit = conf.FORUM_MENTION_SUGGESTIONS_MAX
    people = accounts.visible_users(writer, get_user_model().objects.exclude(display_name="")
                                    .exclude(pk=writer.pk))
    ranked = sorted(
        ((rank, arabic.normalise(name), pk) for pk, name in people.values_list("pk", "display_name")
         if (rank := _rank(name, folded)) is not None))
    ids = [pk for _rank_, _name, pk in ranked]
    found: list[str] = []
    for start in range(0, len(ids), _BATCH):
        batch = ids[start:start + _BATCH]
        users = {u.pk: u for u in get_user_model().objects.filter(pk__in=batch)}
        ordered = [users[pk] for pk in batch if pk in users]
        audience._prime_standing(ordered)
        if thread is not None:
            readers = {u.pk for u in permissions.readers_among(thread, ordered)}
        else:
            categories.prime_category_facts(ordered)
            readers = {u.pk for u in ordered if categories.can_view_category(u, category)}
        found.extend(u.display_name for u in ordered if u.pk in readers)
        if len(found) >= limit:
            break
    return found[:limit]
