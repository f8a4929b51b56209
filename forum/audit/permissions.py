"""Who may read the audit log, and which part of it.

Actions of this app (the authorisation matrix walks every one):
- `view_audit_log`: browse and filter the log in the site. Administrators and global moderators
  read all of it; a category's moderators read the entries of their categories (and of their
  subcategories), known by the entry's `scope` ("category:<id>", written by the services). Every
  privileged power needs a second factor first. Nobody, anywhere, may change or delete an entry:
  there is no such action.

This module is the one place of the audit app that reads who a user is, so it is the one import
from a higher layer (`forum.accounts.permissions`) the layers contract allows (pyproject.toml):
the log itself (models, `services.record`) stays below every app that writes to it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from forum.accounts import permissions as accounts

from .services import scope_key

ACTIONS = ("view_audit_log",)


def audit_scope(user) -> frozenset[str] | None:
    """The scopes of the entries `user` may read: None for the whole log, else a set of
    "category:<id>" keys (empty: nothing). Cached on the user object."""
    if not accounts.in_good_standing(user) or accounts.is_observer(user):
        return frozenset()
    if accounts.is_global_moderator(user):
        return None
    cache = accounts._cache(user)
    if "audit_scope" not in cache:
        related = getattr(user, "moderated_categories", None)
        appointed = set(related.values_list("pk", flat=True)) if related is not None else set()
        if appointed:
            children = related.model._default_manager.filter(parent_id__in=appointed).values_list("pk", flat=True)
            appointed |= set(children)
        cache["audit_scope"] = frozenset(scope_key("category", pk) for pk in appointed)
    return cache["audit_scope"]


def check_view_audit_log(user) -> None:
    accounts.require_good_standing(user)
    scope = audit_scope(user)
    if scope is not None and not scope:
        raise PermissionDenied(_("Only moderators and administrators can read the audit log."))
    accounts.check_privileged_action(user)


def visible_audit_entries(user, qs):
    """Queryset form of check_view_audit_log: the entries `user` may read."""
    try:
        check_view_audit_log(user)
    except PermissionDenied:
        return qs.none()
    scope = audit_scope(user)
    return qs if scope is None else qs.filter(Q(scope__in=sorted(scope)))
