"""Watching, tracking and muting threads and categories.

Levels (`Subscription.Level`): *watch* a thread to hear of every new post in it, or a category to
hear of every new thread in it (and in its subcategories); *track* to see unread counts without
notifications; *mute* to hear nothing (a muted thread also shows no unread count). Starting or
replying to a thread watches it, unless the member muted it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from forum.accounts import permissions as accounts
from forum.categories import permissions as category_permissions

from . import permissions
from .models import Subscription, Thread

Level = Subscription.Level
NONE = ""  # no subscription: the default behaviour


def thread_level(user, thread) -> str:
    """The member's level for the thread ("" when none)."""
    if user is None or not user.is_authenticated:
        return NONE
    return Subscription.objects.filter(user=user, thread=thread).values_list("level", flat=True).first() or NONE


def category_level(user, category) -> str:
    if user is None or not user.is_authenticated:
        return NONE
    return Subscription.objects.filter(user=user, category=category).values_list("level", flat=True).first() or NONE


def _clean_level(level: str) -> str:
    if level not in (NONE, *Level.values):
        raise ValidationError({"level": _("Choose watch, track, mute or none.")}, code="bad_level")
    return level


@transaction.atomic
def subscription_set(*, actor, level: str, thread=None, category=None) -> Subscription | None:
    """Set the actor's level for a thread or a category ("" removes it); returns the row or None.

    The actor must be signed in and allowed to see the thread or category (Http404 otherwise).
    """
    if (thread is None) == (category is None):
        raise ValueError("give exactly one of thread or category")
    if actor is None or not accounts.is_authenticated(actor):
        raise PermissionDenied(_("Please sign in."))
    if thread is not None:
        permissions.check_view_thread(actor, thread)
    else:
        category_permissions.check_view_category(actor, category)
    level = _clean_level(level)
    target = {"thread": thread} if thread is not None else {"category": category}
    if level == NONE:
        Subscription.objects.filter(user=actor, **target).delete()
        return None
    subscription, _created = Subscription.objects.update_or_create(user=actor, **target, defaults={"level": level})
    return subscription


def watch_on_participation(*, user, thread) -> None:
    """The member started or replied to the thread: watch it, unless they muted it."""
    level = Subscription.objects.filter(user=user, thread=thread).values_list("level", flat=True).first()
    if level == Level.TRACK:
        Subscription.objects.filter(user=user, thread=thread, level=Level.TRACK).update(level=Level.WATCH)
        return
    if level is not None:
        return  # already watching, or muted
    try:
        with transaction.atomic():
            Subscription.objects.create(user=user, thread=thread, level=Level.WATCH)
    except IntegrityError:
        pass  # a concurrent request subscribed them first


def thread_watchers_and_muters(thread) -> tuple[set[int], set[int]]:
    """(watching, muting) member ids of the thread, in one query."""
    watchers, muters = set(), set()
    for user_id, level in (Subscription.objects.filter(thread=thread, level__in=[Level.WATCH, Level.MUTE])
                           .values_list("user_id", "level")):
        (watchers if level == Level.WATCH else muters).add(user_id)
    return watchers, muters


def category_watcher_ids(category) -> set[int]:
    """Members who hear of new threads in `category`: watching it or its parent, not muting it."""
    ids = [category.pk] + ([category.parent_id] if category.parent_id else [])
    rows = Subscription.objects.filter(category_id__in=ids).values_list("user_id", "category_id", "level")
    own: dict[int, str] = {}
    parent: dict[int, str] = {}
    for user_id, category_id, level in rows:
        (own if category_id == category.pk else parent)[user_id] = level
    watchers = {uid for uid, level in own.items() if level == Level.WATCH}
    watchers |= {uid for uid, level in parent.items() if level == Level.WATCH and uid not in own}
    return watchers


FOLLOWED_MAX = 200  # the followed-threads page shows at most this many, latest activity first


def followed_threads(user) -> list[Thread]:
    """The threads the member watches or tracks and may still read (not deleted), latest activity
    first, each with `follow_level` ("watch"/"track") and its category: one query, plus the
    viewer's visibility facts (cached per request)."""
    if user is None or not user.is_authenticated:
        return []
    mine = Subscription.objects.filter(user=user, thread=OuterRef("pk"))
    qs = (Thread.objects.filter(subscriptions__user=user, subscriptions__level__in=[Level.WATCH, Level.TRACK],
                                deleted_at__isnull=True)
          .annotate(follow_level=Subquery(mine.values("level")[:1]))
          .select_related("category").order_by("-last_activity_at", "-pk"))
    return list(permissions.visible_threads(user, qs)[:FOLLOWED_MAX])
