"""Reads of the accounts pages."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _

from . import permissions


def _with_membership(qs):
    membership_model = get_user_model().memberships.rel.related_model
    return qs.prefetch_related(
        Prefetch("memberships", queryset=membership_model.objects.select_related("organisation"))
    )


def profile_get_for_viewer(*, user_id: int, viewer):
    """The member whose profile `viewer` opens, with their organisation; raises Http404 /
    PermissionDenied as `check_view_profile` says."""
    try:
        target = _with_membership(get_user_model().objects.all()).get(pk=user_id)
    except get_user_model().DoesNotExist:
        raise Http404 from None
    memberships = list(target.memberships.all())
    permissions.prime_membership(target, memberships[0] if memberships else None)
    permissions.check_view_profile(viewer, target)
    return target


def profile_badges(user) -> list[dict]:
    """Role badges for a profile: (code, label) of each role that deserves one; members get none."""
    labels = {
        permissions.ADMIN: _("Administrator"),
        permissions.MODERATOR: _("Moderator"),
        permissions.OBSERVER: _("Observer"),
        permissions.REPRESENTATIVE: _("Representative"),
    }
    return [{"code": role, "label": labels[role]} for role in permissions.roles_of(user) if role in labels]


def next_access_change(user):
    """The next moment the user's access changes by itself, with nobody acting: an observer's access
    end, or a sanction that starts later. None when nothing is due. Open sockets wake then."""
    from django.db.models import Min
    from django.utils import timezone

    now = timezone.now()
    moments = []
    if permissions.is_observer(user) and user.access_ends_at and user.access_ends_at > now:
        moments.append(user.access_ends_at)
    starts = (user.restrictions.filter(lifted_at__isnull=True, pending_confirmation=False, starts_at__gt=now)
              .aggregate(first=Min("starts_at"))["first"])
    if starts:
        moments.append(starts)
    return min(moments) if moments else None


def _place_labels(restrictions) -> dict[tuple[str, int], str]:
    """Names of the categories and live sessions restrictions apply to, one query per kind of place
    (read through the user model's reverse relations: this layer imports nothing above it)."""
    wanted: dict[str, set[int]] = {}
    for r in restrictions:
        if r.scope != "site" and r.object_id is not None:
            wanted.setdefault(r.scope, set()).add(r.object_id)
    labels = {}
    relations = {"category": "moderated_categories", "session": "moderated_live_sessions"}
    for scope, ids in wanted.items():
        manager = getattr(get_user_model(), relations[scope], None)
        if manager is None:
            continue
        for obj in manager.rel.related_model._default_manager.filter(pk__in=ids):
            labels[(scope, obj.pk)] = str(obj)
    return labels


def account_standing(user) -> dict:
    """What the member's standing page says: the suspension or ban that closes the site to them, an
    observer access that ended, the mutes and warnings in force (with where they apply)."""
    restrictions = permissions.active_restrictions(user)
    access = permissions.access_restriction(user)
    limits = [r for r in restrictions
              if r is not access and r.kind in permissions.SILENCING_KINDS]
    warnings = [r for r in restrictions if r.kind == "warning"]
    labels = _place_labels(limits)
    for r in limits:
        r.place_label = labels.get((r.scope, r.object_id), "") if r.scope != "site" else ""
    observer_ended = permissions.is_observer(user) and not permissions.observer_access_active(user)
    return {
        "access_restriction": access,
        "observer_ended": observer_ended,
        "observer_ended_at": user.access_ends_at if observer_ended else None,
        "limits": limits,
        "warnings": warnings,
        "in_good_standing": permissions.in_good_standing(user),
    }
