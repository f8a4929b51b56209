from functools import cache

from . import selectors


def unread_notifications(request):
    """`unread_notifications` for the header badge: one count query, and only if a page shows it.

    A cached callable, not a lazy object: templates call it and get a real int, which Arabic's
    plural rule (`n % 100`) needs in `{% blocktranslate count %}` (a SimpleLazyObject passes
    `isinstance(n, int)` but has no `%`: the members' home failed for three unread notices)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": cache(lambda: selectors.unread_count(user))}
