"""Who may search, and which documents they may find.

Actions of this app (the authorisation matrix walks every one):
- `search`: use the search page. Members in good standing and observers within their access period.

A document is found only when its thread is visible to the user (the discussions rule
`visible_threads`, which applies category visibility, observer grants and sanctions) and neither
the post nor its thread is deleted or hidden — for everyone, moderators included: moderators find
removed posts through the moderation queue, not through search.
"""

from __future__ import annotations

from forum.accounts import permissions as accounts

ACTIONS = ("search",)


def check_search(user) -> None:
    """PermissionDenied with the reason when the user may not search (signed out, suspended, expired)."""
    accounts.require_good_standing(user)


def _visible_threads(user, qs):
    from forum.discussions.permissions import visible_threads

    return visible_threads(user, qs)


def _visible_categories(user, qs):
    from forum.categories.permissions import visible_categories

    return visible_categories(user, qs)


def visible_documents(user, qs):
    """Queryset form of "may find this post": the thread is visible and nothing is removed."""
    from forum.discussions.models import Thread

    if not accounts.in_good_standing(user):
        return qs.none()
    threads = _visible_threads(user, Thread.objects.filter(deleted_at__isnull=True))
    return qs.filter(thread__in=threads.values("pk"), post__deleted_at__isnull=True,
                     post__hidden_at__isnull=True)


def searchable_categories(user, qs):
    """The categories offered as a filter: those the user may see."""
    return _visible_categories(user, qs)
