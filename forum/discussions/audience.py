"""Who hears about a post, and why: one reason per member, the strongest.

Reasons, strongest first: a reply to your post, a mention of you, a quote of your post, a new
post in a thread you watch, a new thread in a category you watch. A member who muted the thread
hears nothing from it; a member who muted the category gets no "watched"/"new thread" notices
from it (a direct reply or mention still reaches them). Everyone must be allowed to read the
thread (`permissions.check_view_thread`), and the author never hears of their own post.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from forum.accounts import permissions as accounts
from forum.accounts.models import Restriction
from forum.core import richtext
from forum.organisations.models import Membership

from . import permissions, subscriptions
from .models import Post

REPLY = "reply"
MENTION = "mention"
QUOTE = "quote"
WATCHED = "watched"
NEW_THREAD = "new_thread"

STRENGTH = (REPLY, MENTION, QUOTE, WATCHED, NEW_THREAD)


# What the one parse of a post's text found (`richtext.render_post_parsed`), remembered for the last
# few texts: the writing services render a post once, and the notification hooks (in the request or
# the after-commit worker) read its mentions and quotes from here instead of parsing it again. A
# memo of a pure function of the text (nothing about who asked): safe to share between threads.
_PARSED_MAX = 32
_parsed: OrderedDict[str, tuple[frozenset[str], frozenset[int]]] = OrderedDict()
_parsed_lock = threading.Lock()


def remember_parse(source: str, rendered) -> None:
    """Keep the mention keys and quoted post ids of a text just rendered by `render_post_parsed`."""
    with _parsed_lock:
        _parsed[source] = (rendered.mention_keys, rendered.quoted_post_ids)
        _parsed.move_to_end(source)
        while len(_parsed) > _PARSED_MAX:
            _parsed.popitem(last=False)


def _remembered(source: str):
    with _parsed_lock:
        found = _parsed.get(source)
        if found is not None:
            _parsed.move_to_end(source)
        return found


def mention_keys(source: str) -> frozenset[str]:
    """`richtext.mention_keys`, from the post's one parse when it was just rendered here."""
    found = _remembered(source)
    if found is not None:
        return found[0]
    return frozenset(richtext.mention_keys(source))


def quoted_post_ids(source: str) -> set[int]:
    """`richtext.quoted_post_ids`, from the post's one parse when it was just rendered here."""
    found = _remembered(source)
    if found is not None:
        return set(found[1])
    return richtext.quoted_post_ids(source)


def resolve_mention_keys(keys, users) -> dict[str, int]:
    """{mention key: user id} for `keys` among `users` (a user queryset), in one query.

    A key is a member's whole display name (`@[Karim Haddad]`, `@karim` for a member named Karim);
    a bare one-word key that names nobody in full also resolves to the one member whose name starts
    with that word (`@Karim` for Karim Haddad), when exactly one does: with two Karims it stays text."""
    keys = {key for key in keys if key}
    if not keys:
        return {}
    words = {key for key in keys if " " not in key}
    condition = Q(display_name_key__in=keys)
    for word in words:
        condition |= Q(display_name_key__startswith=word + " ")
    found: dict[str, int] = {}
    by_first_word: dict[str, set[int]] = defaultdict(set)
    for key, pk in users.filter(condition).values_list("display_name_key", "pk"):
        if key in keys:
            found[key] = pk
        first = key.split(" ", 1)[0]
        if first in words and key != first:
            by_first_word[first].add(pk)
    for word, ids in by_first_word.items():
        if word not in found and len(ids) == 1:
            found[word] = next(iter(ids))
    return found


def mentioned_user_ids(source: str) -> set[int]:
    """Ids of active members named by an @mention in `source` (one query, none without mentions)."""
    keys = mention_keys(source)
    if not keys:
        return set()
    users = get_user_model().objects.filter(is_active=True, deleted_at__isnull=True)
    return set(resolve_mention_keys(keys, users).values())


def quoted_author_ids(source: str) -> set[int]:
    """Authors of the live posts quoted in `source`."""
    if "/t/post/" not in (source or ""):  # a quote links its post: no parse for the many that quote none
        return set()
    ids = quoted_post_ids(source)
    if not ids:
        return set()
    return set(Post.objects.filter(pk__in=ids, deleted_at__isnull=True, hidden_at__isnull=True)
               .values_list("author_id", flat=True))


def reasons_for_post(post, *, include_watchers: bool = True, new_thread: bool = False) -> dict[int, str]:
    """{user id: strongest reason} for a new (or edited, with include_watchers=False) post."""
    thread = post.thread
    reasons: dict[int, str] = {}

    def add(user_ids, reason):
        for uid in user_ids:
            current = reasons.get(uid)
            if current is None or STRENGTH.index(reason) < STRENGTH.index(current):
                reasons[uid] = reason

    if post.parent_id is not None and not new_thread:
        parent_author = Post.objects.filter(pk=post.parent_id).values_list("author_id", flat=True).first()
        if parent_author is not None:
            add([parent_author], REPLY)
    add(mentioned_user_ids(post.source), MENTION)
    add(quoted_author_ids(post.source), QUOTE)
    watchers, muters = subscriptions.thread_watchers_and_muters(thread)
    if include_watchers:
        if new_thread:
            add(subscriptions.category_watcher_ids(thread.category), NEW_THREAD)
        else:
            add(watchers, WATCHED)
    for uid in muters:
        reasons.pop(uid, None)
    reasons.pop(post.author_id, None)
    return reasons


def _prime_standing(users) -> None:
    """Load the per-user facts every view check needs (restrictions in force, organisation
    membership) for all candidates in two queries, into the cache `forum.accounts.permissions`
    keeps on each user object, with the same definitions as `active_restrictions` and
    `membership`. Without this a reply to a thread with many watchers costs queries per watcher."""
    ids = [user.pk for user in users]
    now = timezone.now()
    restrictions = defaultdict(list)
    for restriction in Restriction.objects.filter(user_id__in=ids).in_force(now):
        restrictions[restriction.user_id].append(restriction)
    memberships = {}
    for membership in Membership.objects.filter(user_id__in=ids).select_related("organisation").order_by("pk"):
        memberships.setdefault(membership.user_id, membership)
    for user in users:
        facts = accounts._cache(user)
        facts.setdefault("restrictions", restrictions.get(user.pk, []))
        facts.setdefault("membership", memberships.get(user.pk))


def allowed_recipients(thread, user_ids) -> dict[int, object]:
    """The members among `user_ids` who are active and may read the thread, by id."""
    if not user_ids:
        return {}
    users = list(get_user_model().objects.filter(pk__in=user_ids, is_active=True, deleted_at__isnull=True))
    _prime_standing(users)
    # Category facts (visible categories, appointments) for all of them in a fixed few queries,
    # then the real check per user without a query each: O(1) queries for N recipients.
    return {user.pk: user for user in permissions.readers_among(thread, users)}
