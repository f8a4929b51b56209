from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from forum.accounts import permissions as accounts
from forum.live import permissions as live

from . import permissions, selectors

# Whether a member moderates some category, remembered a few minutes in the cache: the header asks
# on every page, and a member's pages must not pay a query for a link they never see.
_APPOINTED_SECONDS = 300


def _appointed(user) -> bool:
    return bool(accounts.moderates_a_category(user) or live.moderated_session_ids(user))


def _may_hold_queue(user) -> bool:
    if accounts.is_global_moderator(user):
        return True
    if accounts.is_observer(user):
        return False
    key = f"moderation:appointed:{user.pk}"
    try:
        appointed = cache.get(key)
    except Exception:  # the cache (Redis) is down: pages still work, at the price of a query
        return _appointed(user)
    if appointed is None:
        appointed = _appointed(user)
        try:
            cache.set(key, appointed, _APPOINTED_SECONDS)
        except Exception:  # noqa: S110 - as above
            pass
    return bool(appointed)


def review_queue(request):
    """`review_queue` for the header: None for everyone but moderators (no query for members); for
    moderators, the number of open items in their scope (counted only when the page shows it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not _may_hold_queue(user):
        return {"review_queue": None}

    def count():
        return selectors.queue_count(user) if permissions.is_queue_moderator(user) else None

    return {"review_queue": SimpleLazyObject(lambda: {"count": count()})}
