"""Who may see a category, start threads in it, reply in it and moderate it.

Actions of this app (the authorisation matrix walks every one):
- `view_category`: see the category and its threads.
- `start_thread`: open a thread in it (its `start_policy`).
- `reply_in_category`: write replies in its threads (its `reply_policy`; locks are the thread's).
- `moderate_category`: pin, lock, move threads, act on posts (global or category moderators).
- `manage_categories`: create and change categories, who may read them and their moderators
  (administrators with a second factor; `forum.categories.services`).

Visibility, in order: people not in good standing (signed out without public reading, suspended,
observers whose access ended) see nothing but public categories when public reading is on;
observers see exactly the categories they were granted (and their subcategories); global
moderators see everything; a category's moderators see it; everyone else sees members and
public categories, and restricted ones that admit their organisation or one of their roles. A
subcategory is only visible when its parent is.

Moderator powers (reads included) need a second factor: `holds_moderator_role` says who was made
a moderator, `is_category_moderator` whether they may use it now. A moderator without MFA is treated
like a member (no restricted categories by role, no deleted threads) and told to enrol when acting.

Each rule has a check form (`check_<action>(user, category)`) and a queryset form
(`visible_categories`, `startable_categories`, ...). Both are computed from the same per-user
facts, loaded once per user object (`visible_category_ids`), so a page asks many questions for
a fixed number of queries.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils.translation import gettext as _

from forum.accounts import permissions as accounts
from forum.core import conf

from .models import Category

ACTIONS = ("view_category", "start_thread", "reply_in_category", "moderate_category", "manage_categories")

MEMBERS = Category.Policy.MEMBERS
REPRESENTATIVES = Category.Policy.REPRESENTATIVES
MODERATORS = Category.Policy.MODERATORS


def _facts(user) -> dict:
    # Stored in the accounts per-user cache, so `accounts.permissions.forget(user)` clears it too.
    return accounts._cache(user) if user is not None else {}


# Bumped whenever a category, its moderators or its allowed organisations change in this process,
# so facts cached on a long-lived user object (a socket's, a test's) do not outlive the change.
_generation = 0


def categories_changed(**kwargs) -> None:
    global _generation
    _generation += 1


def public_reading() -> bool:
    return bool(conf.FORUM_PUBLIC_READING)


def moderated_category_ids(user) -> set[int]:
    """Ids of the categories the user moderates by appointment (not counting global moderation)."""
    if not accounts.in_good_standing(user) or accounts.is_observer(user):
        return set()
    visible_category_ids(user)  # loads the appointments with the categories, or refreshes stale facts
    facts = _facts(user)
    if "moderated_categories" not in facts:
        facts["moderated_categories"] = set(user.moderated_categories.values_list("id", flat=True))
    return facts["moderated_categories"]


def holds_moderator_role(user, category) -> bool:
    """A global moderator, or appointed for this category (or for its parent), in good standing;
    whether the powers are in force is `is_category_moderator`'s question (for pages: "enrol first")."""
    if not accounts.in_good_standing(user):
        return False
    if accounts.is_global_moderator(user):
        return True
    ids = moderated_category_ids(user)
    return category.pk in ids or (category.parent_id is not None and category.parent_id in ids)


def is_category_moderator(user, category) -> bool:
    """May use moderator powers in `category` now: holds the role and has a second factor."""
    return holds_moderator_role(user, category) and accounts.privileges_active(user)


def check_moderator_power(user, category, reason: str) -> None:
    """`PermissionDenied(reason)` unless the user may use moderator powers in `category`; a moderator
    without a second factor is refused with `SecondFactorRequired` (pages offer to enrol)."""
    if is_category_moderator(user, category):
        return
    if holds_moderator_role(user, category):
        raise accounts.SecondFactorRequired()
    raise PermissionDenied(reason)


def _admits(user, row: dict, org_ids: set[int], *, roles: list[str], org_id: int | None,
            grants: set[int], moderated: set[int], powers: bool) -> bool:
    """Whether the category described by `row` admits `user`, ignoring its parent."""
    if not accounts.in_good_standing(user):
        return row["visibility"] == Category.Visibility.PUBLIC and public_reading()
    if accounts.is_observer(user):
        return row["id"] in grants or (row["parent_id"] is not None and row["parent_id"] in grants)
    if powers and accounts.is_global_moderator(user):
        return True
    if row["id"] in moderated or (row["parent_id"] is not None and row["parent_id"] in moderated):
        return True
    if row["visibility"] != Category.Visibility.RESTRICTED:
        return True
    if org_id is not None and org_id in org_ids:
        return True
    return any(role in roles for role in (row["allowed_roles"] or []))


def visible_category_ids(user) -> frozenset[int]:
    """Ids of every category the user may see (cached on the user object)."""
    facts = _facts(user)
    if facts.get("categories_generation") == _generation and "visible_categories" in facts:
        return facts["visible_categories"]
    if facts.get("categories_generation") != _generation:
        facts.pop("moderated_categories", None)
    in_standing = accounts.in_good_standing(user)
    rows_qs = Category.objects.all()
    appointed = in_standing and not accounts.is_observer(user) and "moderated_categories" not in facts
    if appointed:
        # The user's appointments come with the same query (one query fewer per page).
        through = Category.moderators.through
        rows_qs = rows_qs.annotate(appointed=Exists(through.objects.filter(category_id=OuterRef("pk"),
                                                                            user_id=user.pk)))
        rows = list(rows_qs.values("id", "parent_id", "visibility", "allowed_roles", "appointed"))
        facts["moderated_categories"] = {r["id"] for r in rows if r["appointed"]}
    else:
        rows = list(rows_qs.values("id", "parent_id", "visibility", "allowed_roles"))
    org_id = accounts.organisation_id(user) if in_standing else None
    allowed_orgs: dict[int, set[int]] = {}
    if org_id is not None and any(r["visibility"] == Category.Visibility.RESTRICTED for r in rows):
        through = Category.allowed_organisations.through
        for category_id, organisation_id in through.objects.filter(organisation_id=org_id).values_list(
                "category_id", "organisation_id"):
            allowed_orgs.setdefault(category_id, set()).add(organisation_id)
    return _settle(user, rows, allowed_orgs)


def _settle(user, rows: list[dict], allowed_orgs: dict[int, set[int]]) -> frozenset[int]:
    """Apply the visibility rule to the category rows and remember the answer on the user."""
    facts = _facts(user)
    in_standing = accounts.in_good_standing(user)
    appointed = facts.get("moderated_categories", set()) if in_standing else set()
    # Seeing every category (global) or one's moderated ones is a moderator power: MFA first.
    powers = bool(in_standing and (appointed or accounts.is_global_moderator(user))
                  and accounts.privileges_active(user))
    context = {
        "roles": accounts.roles_of(user) if in_standing else [],
        "org_id": accounts.organisation_id(user) if in_standing else None,
        "grants": accounts.observer_grants(user, "category") if accounts.is_observer(user) else set(),
        "moderated": appointed if powers else set(),
        "powers": powers,
    }
    admitted = {r["id"] for r in rows if _admits(user, r, allowed_orgs.get(r["id"], set()), **context)}
    by_id = {r["id"]: r for r in rows}
    result = frozenset(
        cid for cid in admitted
        if by_id[cid]["parent_id"] is None or by_id[cid]["parent_id"] in admitted
        # An observer granted a subcategory sees it without its parent.
        or (accounts.is_observer(user) and cid in context["grants"])
    )
    if user is not None and getattr(user, "is_authenticated", False):
        facts["visible_categories"] = result
        facts["categories_generation"] = _generation
        facts["category_parents"] = {r["id"]: r["parent_id"] for r in rows}
    return result


def prime_category_facts(users) -> None:
    """Load the category facts of many users in three queries, not several per user (e.g. before
    checking who among a thread's watchers may still read it). Prime the accounts facts
    (restrictions, membership) first; what is primed answers exactly as `visible_category_ids`."""
    users = [u for u in users if getattr(u, "is_authenticated", False)]
    if not users:
        return
    rows = list(Category.objects.values("id", "parent_id", "visibility", "allowed_roles"))
    appointed: dict[int, set[int]] = {}
    for category_id, user_id in Category.moderators.through.objects.filter(
            user_id__in=[u.pk for u in users]).values_list("category_id", "user_id"):
        appointed.setdefault(user_id, set()).add(category_id)
    allowed: dict[int, set[int]] = {}
    if any(r["visibility"] == Category.Visibility.RESTRICTED for r in rows):
        for category_id, organisation_id in Category.allowed_organisations.through.objects.values_list(
                "category_id", "organisation_id"):
            allowed.setdefault(category_id, set()).add(organisation_id)
    _prime_second_factors(users, appointed)
    for user in users:
        facts = _facts(user)
        if facts.get("categories_generation") == _generation and "visible_categories" in facts:
            continue
        facts["moderated_categories"] = (appointed.get(user.pk, set())
                                         if accounts.in_good_standing(user) and not accounts.is_observer(user)
                                         else set())
        org_id = accounts.organisation_id(user) if accounts.in_good_standing(user) else None
        mine = {cid: {org_id} for cid, orgs in allowed.items() if org_id in orgs} if org_id is not None else {}
        _settle(user, rows, mine)


def _prime_second_factors(users, appointed: dict[int, set[int]]) -> None:
    holders = [u for u in users if accounts.is_global_moderator(u) or appointed.get(u.pk)]
    accounts.prime_mfa(holders)


def moderated_visible_category_ids(user) -> frozenset[int]:
    """Ids of the visible categories the user moderates (globally, by appointment, or via the parent)."""
    visible = visible_category_ids(user)
    if not accounts.in_good_standing(user) or accounts.is_observer(user):
        return frozenset()
    moderated = moderated_category_ids(user)
    global_moderator = accounts.is_global_moderator(user)
    if not (global_moderator or moderated) or not accounts.privileges_active(user):
        return frozenset()
    if global_moderator:
        return visible
    parents = _facts(user).get("category_parents", {})
    return frozenset(cid for cid in visible if cid in moderated or parents.get(cid) in moderated)


def can_view_category(user, category) -> bool:
    return category.pk in visible_category_ids(user)


# --- Checks ------------------------------------------------------------------------------------

def check_view_category(user, category) -> None:
    """Http404 when the user may not know the category exists."""
    if not can_view_category(user, category):
        raise Http404


def _require_can_write(user, category) -> None:
    """Signed in, in good standing and not muted here; raises PermissionDenied with the reason."""
    accounts.require_good_standing(user)
    if accounts.is_muted(user, scope="category", object_id=category.pk) or (
            category.parent_id is not None
            and accounts.is_muted(user, scope="category", object_id=category.parent_id)):
        raise PermissionDenied(_("You are muted in this category: you can read but not write."))


def _check_policy(user, category, policy: str) -> None:
    if is_category_moderator(user, category):
        return
    if accounts.is_observer(user):
        if policy == MEMBERS:
            return
        raise PermissionDenied(_("Observers cannot write here."))
    if policy == MODERATORS:
        check_moderator_power(user, category, _("Only moderators can write here."))
    if policy == REPRESENTATIVES and not accounts.is_representative(user):
        raise PermissionDenied(_("Only organisation representatives can write here."))


def check_start_thread(user, category) -> None:
    check_view_category(user, category)
    _require_can_write(user, category)
    if accounts.is_observer(user) and not is_category_moderator(user, category):
        raise PermissionDenied(_("Observers can reply to threads but cannot start them."))
    _check_policy(user, category, category.start_policy)


def check_reply_in_category(user, category) -> None:
    check_view_category(user, category)
    _require_can_write(user, category)
    _check_policy(user, category, category.reply_policy)


def check_moderate_category(user, category) -> None:
    check_view_category(user, category)
    accounts.require_good_standing(user)
    if not holds_moderator_role(user, category):
        raise PermissionDenied(_("Only moderators of this category can do this."))
    accounts.check_privileged_action(user)


def check_manage_categories(user) -> None:
    """Administrators (with a second factor) arrange categories: tree, visibility, moderators."""
    accounts.require_good_standing(user)
    if not accounts.is_admin(user):
        raise PermissionDenied(_("Only administrators can manage categories."))
    accounts.check_privileged_action(user)


def allows(check, user, obj) -> bool:
    """A check as a boolean, for views and templates."""
    try:
        check(user, obj)
    except (PermissionDenied, Http404):
        return False
    return True


# --- Querysets ---------------------------------------------------------------------------------

def visible_categories(user, qs=None):
    """Queryset form of check_view_category."""
    qs = Category.objects.all() if qs is None else qs
    return qs.filter(pk__in=visible_category_ids(user))


def startable_categories(user, qs=None):
    """Queryset form of check_start_thread: categories offered in "new thread" and "move" lists."""
    qs = visible_categories(user, qs)
    ids = [c.pk for c in qs if allows(check_start_thread, user, c)]
    return qs.filter(pk__in=ids)


def moderated_categories(user, qs=None):
    """Queryset form of check_moderate_category."""
    qs = visible_categories(user, qs)
    ids = [c.pk for c in qs if allows(check_moderate_category, user, c)]
    return qs.filter(pk__in=ids)
