"""Who a user is, for every access decision: roles, standing, observer access, sanctions.

Each app's `permissions.py` builds its rules on these facts; nothing else decides access. Facts
that need a query are computed once per user object and cached on it (`_policy_cache`), so a
page asking many questions costs one query per fact, not one per question.

Actions of this app (the authorisation matrix walks every one):
- `view_profile`: see a member's profile page.
- `edit_profile`: one's own name, bio and language (in good standing).
- `export_data` / `delete_account`: one's own account (whatever one's standing).
- `manage_users`: the admin's user list, roles, observer grants.
- `change_role`: make someone an administrator, moderator, member or observer (administrators,
  never for themselves).
- `impose_restriction`: warn, mute, suspend or ban a member, and lift it: site-wide, administrators
  and global moderators; in a category or live session, also its own moderators. Only
  administrators restrict moderators and administrators; nobody restricts themselves.
- `confirm_restriction`: the second moderator's confirmation the suspension or ban of an
  organisation representative waits for (never the moderator who imposed it).
- `grant_observer`: give an observer access to a category or session (administrators; a
  session's moderators for their session).

`check_privileged_action(user)` is the MFA rule every other app's privileged check calls:
admins, global and category moderators and representatives need a second factor (TOTP or a
security key) before acting; `PrivilegedMFAMiddleware` sends them to enrol when they open a privileged page.
The rule covers reads too: without a second factor, `privileges_active(user)` is false and the other
apps treat the user like a member (no hidden or deleted text, no restricted categories by role).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

ADMIN = "admin"
MODERATOR = "moderator"
MEMBER = "member"
OBSERVER = "observer"
REPRESENTATIVE = "representative"

ACTIONS = ("view_profile", "edit_profile", "export_data", "delete_account", "manage_users", "change_role",
           "impose_restriction", "confirm_restriction", "grant_observer", "view_style_guide", "end_session")


def _cache(user) -> dict:
    cache = getattr(user, "_policy_cache", None)
    if cache is None:
        cache = {}
        try:
            user._policy_cache = cache
        except AttributeError:  # AnonymousUser has slots-free attrs, but be safe
            pass
    return cache


def forget(user) -> None:
    """Drop cached facts (after a role, membership or sanction change in the same request)."""
    if hasattr(user, "_policy_cache"):
        del user._policy_cache


def forget_sanctions(user) -> None:
    """Drop only the cached restrictions: the next question about standing, mutes or removals reads
    them afresh (a long-lived socket's writes; its other facts follow `accounts.access.changed`)."""
    cache = getattr(user, "_policy_cache", None)
    if cache is not None:
        cache.pop("restrictions", None)
        # Answers computed from them (`discussions.permissions.check_view_thread`'s memo) go with them.
        cache.pop("view_thread", None)


def is_authenticated(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and not user.deleted_at)


def is_admin(user) -> bool:
    return is_authenticated(user) and (user.role == ADMIN or user.is_superuser)


def is_global_moderator(user) -> bool:
    """Admins and global moderators."""
    return is_authenticated(user) and (user.role in (ADMIN, MODERATOR) or user.is_superuser)


def is_observer(user) -> bool:
    return is_authenticated(user) and user.role == OBSERVER


def observer_access_active(user) -> bool:
    """An observer's access holds until its end date; with no end date set it has not been granted."""
    if not is_observer(user):
        return False
    return user.access_ends_at is not None and user.access_ends_at > timezone.now()


def active_restrictions(user):
    """The user's restrictions in force now, as a list (cached)."""
    cache = _cache(user)
    if "restrictions" not in cache:
        cache["restrictions"] = list(user.restrictions.in_force()) if is_authenticated(user) else []
    return cache["restrictions"]


# Kinds of restriction that stop a member from writing where they apply; site-wide, the last two
# also close the site to them (`is_suspended`).
SILENCING_KINDS = ("mute", "suspension", "ban")
ACCESS_KINDS = ("suspension", "ban")


def access_restriction(user):
    """The site-wide suspension or ban in force on the user (a ban first, else the one ending last),
    or None."""
    taking = [r for r in active_restrictions(user) if r.kind in ACCESS_KINDS and r.scope == "site"]
    if not taking:
        return None
    return max(taking, key=lambda r: (r.kind == "ban", r.ends_at is None, r.ends_at or r.starts_at))


def is_suspended(user) -> bool:
    """Suspended or banned site-wide: no access to the forum (only to one's own account pages)."""
    return access_restriction(user) is not None


def unseen_warnings(user) -> list:
    """Warnings in force the member has not acknowledged yet (from the cached restrictions)."""
    return [r for r in active_restrictions(user) if r.kind == "warning" and r.seen_at is None]


def is_muted(user, *, scope: str = "site", object_id: int | None = None) -> bool:
    """Muted (or suspended, or banned) site-wide, or in the given category / session."""
    for r in active_restrictions(user):
        if r.kind not in SILENCING_KINDS:
            continue
        if r.scope == "site" or (r.scope == scope and r.object_id == object_id):
            return True
    return False


def membership(user):
    """The user's organisation membership or None (cached)."""
    cache = _cache(user)
    if "membership" not in cache:
        cache["membership"] = (
            user.memberships.select_related("organisation").first() if is_authenticated(user) else None
        )
    return cache["membership"]


def prime_membership(user, membership_or_none) -> None:
    """Seed the cached membership from a prefetch, so pages listing users ask no query per user."""
    _cache(user)["membership"] = membership_or_none


def organisation_id(user) -> int | None:
    m = membership(user)
    return m.organisation_id if m else None


def is_representative(user, organisation_id: int | None = None) -> bool:
    m = membership(user)
    if m is None or m.kind != REPRESENTATIVE or not m.organisation.active:
        return False
    return organisation_id is None or m.organisation_id == organisation_id


def in_good_standing(user) -> bool:
    """Signed in, active, not suspended, and (for observers) within their access period."""
    if not is_authenticated(user) or is_suspended(user):
        return False
    if is_observer(user):
        return observer_access_active(user)
    return True


def is_full_member(user) -> bool:
    """In good standing and not an observer: admins, moderators, representatives, members."""
    return in_good_standing(user) and not is_observer(user)


def observer_grants(user, scope: str) -> set[int]:
    """Ids of the objects of `scope` an observer may see now (empty once access has ended)."""
    if not observer_access_active(user):
        return set()
    cache = _cache(user)
    key = f"grants:{scope}"
    if key not in cache:
        cache[key] = set(user.observer_grants.filter(scope=scope).values_list("object_id", flat=True))
    return cache[key]


def roles_of(user) -> list[str]:
    """Names of the user's roles, for badges and the matrix test."""
    if not is_authenticated(user):
        return []
    roles = [user.role]
    if is_representative(user):
        roles.append(REPRESENTATIVE)
    return roles


def moderates_a_category(user) -> bool:
    """Whether the user is appointed moderator of at least one category (cached).

    Read through the reverse relation of `categories.Category.moderators`, so this layer imports
    nothing above it; when the categories app has already loaded the user's appointments on this
    user object, they are reused (no query). Observers never moderate (as in `categories`)."""
    if not is_authenticated(user) or is_observer(user):
        return False
    cache = _cache(user)
    appointed = cache.get("moderated_categories")
    if appointed is not None:
        return bool(appointed)
    if "moderates_a_category" not in cache:
        related = getattr(user, "moderated_categories", None)
        cache["moderates_a_category"] = bool(related is not None and related.exists())
    return cache["moderates_a_category"]


def needs_mfa(user) -> bool:
    """Admins, global moderators, category moderators and representatives (and anyone with access to
    the Django admin) must have MFA before any privileged action. A category moderator hides posts
    and locks threads like a global one, within their categories, so the same rule applies."""
    return (is_global_moderator(user) or is_representative(user)
            or (is_authenticated(user) and user.is_staff)
            or moderates_a_category(user))


# A second factor that can sign someone in; recovery codes alone are only a fallback.
MFA_FACTOR_TYPES = ("totp", "webauthn")


def has_mfa(user) -> bool:
    """Whether the user has enrolled an authenticator app or a security key (cached)."""
    if not is_authenticated(user):
        return False
    cache = _cache(user)
    if "mfa" not in cache:
        from allauth.mfa.models import Authenticator

        cache["mfa"] = Authenticator.objects.filter(user_id=user.pk, type__in=MFA_FACTOR_TYPES).exists()
    return cache["mfa"]


def prime_mfa(users) -> None:
    """Load whether each of `users` has a second factor in one query (pages and notifications that
    ask about many privileged users at once)."""
    users = [u for u in users if is_authenticated(u) and "mfa" not in _cache(u)]
    if not users:
        return
    from allauth.mfa.models import Authenticator

    enrolled = set(Authenticator.objects.filter(user_id__in=[u.pk for u in users], type__in=MFA_FACTOR_TYPES)
                   .values_list("user_id", flat=True))
    for u in users:
        _cache(u)["mfa"] = u.pk in enrolled


def mfa_missing(user) -> bool:
    """A privileged user who has not enrolled a second factor yet."""
    return needs_mfa(user) and not has_mfa(user)


def privileges_active(user) -> bool:
    """Whether the user's privileged powers (moderating, administering, reading what members may not)
    are in force: in good standing and, when the role needs one, with a second factor enrolled.
    Says nothing about the role itself; ask it only of users who hold one, so members cost no query."""
    return in_good_standing(user) and not mfa_missing(user)


class SecondFactorRequired(PermissionDenied):
    """Refusal of a privileged power to someone who holds the role but has not enrolled a second
    factor; pages answer it with a link to enrol that brings the user back."""

    def __init__(self, message=None):
        super().__init__(message or _("Set up two-factor authentication first."))


# --- Checks of this app ------------------------------------------------------------------------

def require_good_standing(user) -> None:
    if not is_authenticated(user):
        raise PermissionDenied(_("Please sign in."))
    if is_suspended(user):
        raise PermissionDenied(_("Your account is suspended."))
    if is_observer(user) and not observer_access_active(user):
        raise PermissionDenied(_("Your observer access has ended."))


def check_view_profile(user, target) -> None:
    require_good_standing(user)
    if target.deleted_at or not target.is_active:
        raise Http404
    if is_observer(user) and target.pk != user.pk and not is_global_moderator(target):
        # Observers meet members in the spaces they are granted, not through the member directory.
        raise PermissionDenied(_("Observers cannot browse member profiles."))


def _check_own_account(user, target) -> None:
    if not is_authenticated(user):
        raise PermissionDenied(_("Please sign in."))
    if target.pk != user.pk:
        raise PermissionDenied(_("You can only change your own profile."))


def check_edit_profile(user, target) -> None:
    """Oneself, in good standing: a display name and a bio speak to others, which a suspended member
    (or an observer whose access ended) may not do. Exporting and deleting stay open to them."""
    _check_own_account(user, target)
    require_good_standing(user)


# The rights over one's own data hold whatever one's standing.
check_export_data = _check_own_account
check_delete_account = _check_own_account


def check_end_session(user, session) -> None:
    """A member signs out their own sessions, whatever their standing (a suspended member may still
    secure their account). Anyone else's session is Http404: its id tells nothing."""
    if not is_authenticated(user) or session.user_id != user.pk:
        raise Http404


def own_sessions(user, qs):
    """Queryset form of check_end_session."""
    return qs.filter(user_id=user.pk) if is_authenticated(user) else qs.none()


def check_privileged_action(user) -> None:
    """Called by every privileged check (moderation, administration, speaking for an organisation):
    a privileged user must have a second factor first. Says nothing about the role itself."""
    require_good_standing(user)
    if mfa_missing(user):
        raise SecondFactorRequired()


def check_manage_users(user) -> None:
    require_good_standing(user)
    if not is_admin(user):
        raise PermissionDenied(_("Only administrators can do this."))
    check_privileged_action(user)


def visible_users(user, qs):
    """Queryset form of check_view_profile."""
    if not in_good_standing(user):
        return qs.none()
    qs = qs.filter(is_active=True, deleted_at__isnull=True)
    if is_observer(user):
        return qs.filter(Q(pk=user.pk) | Q(role__in=[ADMIN, MODERATOR]))
    return qs


# --- Sanctions, observer grants, roles -----------------------------------------------------------
# Who may impose a restriction depends on where it applies: site-wide, administrators and global
# moderators; in a category, also that category's moderators (a parent's moderators moderate its
# subcategories); in a live session, also that session's moderators. Appointments are read through
# the reverse relations of `categories.Category.moderators` and `live.LiveSession.moderators`, so
# this layer imports nothing above it.

SITE = "site"
CATEGORY = "category"
SESSION = "session"


def moderates_place(user, scope: str, object_id: int | None) -> bool:
    """Whether `user` is appointed moderator of this category (or of its parent), or moderator or
    organiser of this live session (a session's organisers moderate it: `forum.live.permissions`)."""
    if not is_authenticated(user) or is_observer(user) or object_id is None:
        return False
    if scope == CATEGORY:
        related = getattr(user, "moderated_categories", None)
        return bool(related is not None
                    and related.filter(Q(pk=object_id) | Q(children__pk=object_id)).exists())
    if scope == SESSION:
        return any(related is not None and related.filter(pk=object_id).exists()
                   for related in (getattr(user, "moderated_live_sessions", None),
                                   getattr(user, "organised_live_sessions", None)))
    return False


def needs_second_moderator(user, kind: str, scope: str) -> bool:
    """The site-wide suspension or ban of an organisation representative waits for a second
    moderator's confirmation: one moderator alone cannot silence an organisation's voice."""
    return kind in ACCESS_KINDS and scope == SITE and is_representative(user)


def check_impose_restriction(actor, user, scope: str, object_id: int | None) -> None:
    """May `actor` warn, mute, suspend or ban `user` in this place (and lift what was imposed there)?"""
    require_good_standing(actor)
    if user.pk == actor.pk:
        raise PermissionDenied(_("You cannot restrict your own account."))
    if is_global_moderator(user) and not is_admin(actor):
        raise PermissionDenied(_("Only administrators can restrict a moderator or an administrator."))
    if not is_global_moderator(actor):
        if scope == SITE:
            raise PermissionDenied(_("Only global moderators and administrators can restrict a member "
                                     "on the whole site."))
        if not moderates_place(actor, scope, object_id):
            raise PermissionDenied(_("You do not moderate this place."))
    check_privileged_action(actor)


def check_lift_restriction(actor, restriction) -> None:
    check_impose_restriction(actor, restriction.user, restriction.scope, restriction.object_id)


def check_confirm_restriction(actor, restriction) -> None:
    """A second moderator, who may impose the same restriction, confirms it; never its author."""
    check_impose_restriction(actor, restriction.user, restriction.scope, restriction.object_id)
    if restriction.created_by_id == actor.pk:
        raise PermissionDenied(_("Another moderator must confirm a restriction you imposed."))


def check_grant_observer(actor, user, scope: str, object_id: int) -> None:
    """Administrators give observers access to a category or a session; global moderators and a
    session's moderators and organisers to a session."""
    require_good_standing(actor)
    if not (is_admin(actor) or (scope == SESSION and (is_global_moderator(actor)
                                                      or moderates_place(actor, scope, object_id)))):
        raise PermissionDenied(_("Only administrators can give observers access."))
    check_privileged_action(actor)


def check_change_role(actor, user) -> None:
    check_manage_users(actor)
    if user.pk == actor.pk:
        raise PermissionDenied(_("You cannot change your own role; another administrator can."))


def check_view_style_guide(user) -> None:
    """The living style page (/style/) is for the people who build and run the site: staff, who,
    being privileged, have a second factor first."""
    require_good_standing(user)
    if not user.is_staff:
        raise PermissionDenied(_("Only the site's staff can see the style page."))
    check_privileged_action(user)
