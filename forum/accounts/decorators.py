"""View decorators of the accounts app."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required

PRIVILEGED_ATTRIBUTE = "forum_privileged"


def privileged_required(view_func):
    """Mark a view as a privileged action: sign-in is required, and `PrivilegedMFAMiddleware`
    sends admins, moderators and representatives without a second factor to enrol first.

    The view still checks the role itself (its app's `permissions.check_...`); this only adds the
    sign-in and MFA gate in front of it.
    """
    wrapped = login_required(view_func)

    @wraps(view_func)
    def _view(request, *args, **kwargs):
        return wrapped(request, *args, **kwargs)

    setattr(_view, PRIVILEGED_ATTRIBUTE, True)
    return _view


def is_privileged_view(view_func) -> bool:
    """Whether a resolved view (function, or class-based `as_view()`) was marked privileged."""
    if getattr(view_func, PRIVILEGED_ATTRIBUTE, False):
        return True
    view_class = getattr(view_func, "view_class", None)
    return bool(view_class is not None and getattr(view_class, PRIVILEGED_ATTRIBUTE, False))
