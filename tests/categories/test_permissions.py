from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from forum.accounts import permissions as accounts
from forum.accounts.models import ObserverGrant, Restriction
from forum.categories import permissions
from forum.categories.models import Category

KINDS = ("anonymous", "member", "other_member", "representative", "moderator", "admin", "category_moderator",
         "observer", "observer_ungranted", "observer_expired", "suspended", "muted")


@pytest.fixture
def world(make_user, make_organisation, make_category):
    org_a, org_b = make_organisation(), make_organisation()
    users = {
        "anonymous": AnonymousUser(),
        "member": make_user(role="member", organisation=org_a),
        "other_member": make_user(role="member", organisation=org_b),
        "representative": make_user(role="representative", organisation=org_b),
        "moderator": make_user(role="moderator"),
        "admin": make_user(role="admin"),
        "category_moderator": make_user(role="member", organisation=org_b),
        "observer": make_user(role="observer"),
        "observer_ungranted": make_user(role="observer"),
        "observer_expired": make_user(role="observer"),
        "suspended": make_user(role="member", organisation=org_a, suspended=True),
        "muted": make_user(role="member", organisation=org_a),
    }
    cats = {
        "members": make_category(),
        "public": make_category(visibility="public"),
        "org_a_only": make_category(visibility="restricted", allowed_organisations=[org_a]),
        "reps_only": make_category(visibility="restricted", allowed_roles=["representative"],
                                   moderators=[users["category_moderator"]]),
        "representatives_start": make_category(start_policy="representatives"),
        "moderators_reply": make_category(reply_policy="moderators"),
    }
    cats["org_a_sub"] = make_category(parent=cats["org_a_only"])
    cats["members_sub"] = make_category(parent=cats["members"])
    for name in ("members", "org_a_only"):
        ObserverGrant.objects.create(user=users["observer"], scope="category", object_id=cats[name].pk)
        ObserverGrant.objects.create(user=users["observer_expired"], scope="category", object_id=cats[name].pk)
    users["observer_expired"].access_ends_at = timezone.now() - timedelta(minutes=1)
    users["observer_expired"].save()
    Restriction.objects.create(user=users["muted"], kind="mute", scope="category", object_id=cats["members"].pk,
                               reason="test")
    return users, cats


EXPECTED_VISIBLE = {
    "anonymous": set(),
    "member": {"members", "public", "org_a_only", "representatives_start", "moderators_reply", "org_a_sub",
               "members_sub"},
    "other_member": {"members", "public", "representatives_start", "moderators_reply", "members_sub"},
    "representative": {"members", "public", "reps_only", "representatives_start", "moderators_reply",
                       "members_sub"},
    "category_moderator": {"members", "public", "reps_only", "representatives_start", "moderators_reply",
                           "members_sub"},
    "observer": {"members", "members_sub", "org_a_only", "org_a_sub"},
    "observer_ungranted": set(),
    "observer_expired": set(),
    "suspended": set(),
    "muted": {"members", "public", "org_a_only", "representatives_start", "moderators_reply", "org_a_sub",
              "members_sub"},
}


@pytest.mark.parametrize("kind", KINDS)
def test_view_category_check_and_queryset_agree(world, kind, give_mfa):
    users, cats = world
    user = users[kind]
    if kind in ("moderator", "admin", "category_moderator"):
        give_mfa(user)
    visible = set(permissions.visible_categories(user).values_list("pk", flat=True))
    for name, category in cats.items():
        assert permissions.allows(permissions.check_view_category, user, category) == (category.pk in visible), name
    expected = {cats[n].pk for n in EXPECTED_VISIBLE[kind]} if kind in EXPECTED_VISIBLE else set(
        Category.objects.values_list("pk", flat=True))
    assert visible == expected


# Without a second factor a moderator or an admin sees what a member of their organisation sees.
MEMBER_OF_NO_RESTRICTED = {"members", "public", "representatives_start", "moderators_reply", "members_sub"}


@pytest.mark.parametrize("kind", ("moderator", "admin", "category_moderator"))
def test_without_mfa_moderators_see_what_members_see(world, kind):
    users, cats = world
    user = users[kind]
    visible = set(permissions.visible_categories(user).values_list("pk", flat=True))
    for name, category in cats.items():
        assert permissions.allows(permissions.check_view_category, user, category) == (category.pk in visible), name
    assert visible == {cats[n].pk for n in MEMBER_OF_NO_RESTRICTED}
    assert set(permissions.moderated_visible_category_ids(user)) == set()
    assert not permissions.is_category_moderator(user, cats["members"])


@pytest.mark.parametrize("kind", KINDS)
def test_start_and_moderate_checks_and_querysets_agree(world, kind, give_mfa):
    users, cats = world
    user = users[kind]
    if kind in ("moderator", "admin"):
        give_mfa(user)
    startable = set(permissions.startable_categories(user).values_list("pk", flat=True))
    moderated = set(permissions.moderated_categories(user).values_list("pk", flat=True))
    for name, category in cats.items():
        assert permissions.allows(permissions.check_start_thread, user, category) == (category.pk in startable), name
        assert permissions.allows(permissions.check_moderate_category, user, category) == (
            category.pk in moderated), name


def test_public_categories_are_readable_by_visitors_only_with_public_reading(world, settings):
    users, cats = world
    anonymous = users["anonymous"]
    assert not permissions.can_view_category(anonymous, cats["public"])
    settings.FORUM_PUBLIC_READING = True
    assert permissions.can_view_category(anonymous, cats["public"])
    assert not permissions.can_view_category(anonymous, cats["members"])
    assert set(permissions.visible_categories(anonymous)) == {cats["public"]}


def test_posting_policies(world, give_mfa):
    users, cats = world
    member, rep = users["member"], give_mfa(users["representative"])
    permissions.check_start_thread(member, cats["members"])
    with pytest.raises(PermissionDenied, match="representatives"):
        permissions.check_start_thread(member, cats["representatives_start"])
    permissions.check_start_thread(rep, cats["representatives_start"])
    with pytest.raises(PermissionDenied, match="Only moderators"):
        permissions.check_reply_in_category(rep, cats["moderators_reply"])
    with pytest.raises(accounts.SecondFactorRequired):
        permissions.check_reply_in_category(users["moderator"], cats["moderators_reply"])
    permissions.check_reply_in_category(give_mfa(users["category_moderator"]), cats["reps_only"])


def test_muted_member_reads_but_cannot_write_in_that_category(world):
    users, cats = world
    muted = users["muted"]
    permissions.check_view_category(muted, cats["members"])
    with pytest.raises(PermissionDenied, match="muted"):
        permissions.check_start_thread(muted, cats["members"])
    with pytest.raises(PermissionDenied, match="muted"):
        permissions.check_reply_in_category(muted, cats["members_sub"])
    permissions.check_start_thread(muted, cats["public"])


def test_observers_reply_in_granted_categories_but_do_not_start_threads(world):
    users, cats = world
    observer = users["observer"]
    permissions.check_reply_in_category(observer, cats["members"])
    with pytest.raises(PermissionDenied, match="Observers"):
        permissions.check_start_thread(observer, cats["members"])
    with pytest.raises(Http404):
        permissions.check_view_category(observer, cats["public"])


def test_observer_sees_nothing_once_access_ends(world):
    users, cats = world
    observer = users["observer"]
    assert permissions.can_view_category(observer, cats["members"])
    observer.access_ends_at = timezone.now() - timedelta(seconds=1)
    observer.save()
    accounts.forget(observer)
    with pytest.raises(Http404):
        permissions.check_view_category(observer, cats["members"])


def test_global_moderator_needs_mfa_to_moderate(world, give_mfa):
    users, cats = world
    moderator = users["moderator"]
    with pytest.raises(PermissionDenied, match="two-factor"):
        permissions.check_moderate_category(moderator, cats["members"])
    give_mfa(moderator)
    permissions.check_moderate_category(moderator, cats["members"])


def test_category_moderator_moderates_only_their_category_once_they_have_mfa(world, give_mfa):
    users, cats = world
    cm = users["category_moderator"]
    cats["moderators_reply"].moderators.add(cm)
    accounts.forget(cm)
    with pytest.raises(accounts.SecondFactorRequired, match="two-factor"):
        permissions.check_moderate_category(cm, cats["moderators_reply"])
    with pytest.raises(Http404):  # without MFA, the restricted category they moderate is out of sight
        permissions.check_moderate_category(cm, cats["reps_only"])
    give_mfa(cm)
    permissions.check_moderate_category(cm, cats["moderators_reply"])
    permissions.check_moderate_category(cm, cats["reps_only"])
    with pytest.raises(PermissionDenied):
        permissions.check_moderate_category(cm, cats["members"])


def test_category_permission_questions_cost_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    users, cats = world
    member = users["member"]
    accounts.forget(member)
    with django_assert_max_num_queries(6):
        for category in cats.values():
            for check in (permissions.check_view_category, permissions.check_start_thread,
                          permissions.check_reply_in_category):
                permissions.allows(check, member, category)


def test_primed_facts_answer_like_the_per_user_check(world, django_assert_max_num_queries):
    from forum.accounts.models import User

    users, cats = world
    fresh = [User.objects.get(pk=u.pk) for k, u in users.items() if k != "anonymous"]
    expected = {u.pk: set(permissions.visible_category_ids(User.objects.get(pk=u.pk))) for u in fresh}
    # Restrictions and memberships as the notification code primes them; then four queries at most
    # for the category facts of everyone (the fourth: second factors of the moderators among them;
    # observer grants load per observer).
    for u in fresh:
        accounts.active_restrictions(u)
        accounts.membership(u)
    observers = sum(1 for u in fresh if u.role == "observer" and accounts.observer_access_active(u))
    with django_assert_max_num_queries(4 + observers):
        permissions.prime_category_facts(fresh)
        primed = {u.pk: set(permissions.visible_category_ids(u)) for u in fresh}
    assert primed == expected
