from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from forum.accounts.models import ObserverGrant, Restriction
from forum.discussions import permissions, services
from forum.discussions.models import Post, Thread

KINDS = ("anonymous", "member", "representative", "moderator", "category_moderator", "observer",
         "observer_expired", "suspended", "muted")


@pytest.fixture
def world(make_user, make_category, make_thread, make_post, give_mfa):
    users = {
        "anonymous": AnonymousUser(),
        "member": make_user(),
        "representative": give_mfa(make_user(role="representative")),
        "moderator": give_mfa(make_user(role="moderator")),
        "category_moderator": give_mfa(make_user()),
        "observer": make_user(role="observer"),
        "observer_expired": make_user(role="observer"),
        "suspended": make_user(suspended=True),
        "muted": make_user(),
    }
    admin = give_mfa(make_user(role="admin"))
    open_cat = make_category(moderators=[users["category_moderator"]])
    reps = make_category(visibility="restricted", allowed_roles=["representative"])
    mods_reply = make_category(reply_policy="moderators")
    threads = {
        "open": make_thread(category=open_cat, author=admin),
        "locked": make_thread(category=open_cat, author=admin),
        "deleted": make_thread(category=open_cat, author=admin),
        "restricted": make_thread(category=reps, author=admin),
        "mods_reply": make_thread(category=mods_reply, author=admin),
    }
    services.thread_lock(actor=admin, thread=threads["locked"])
    Thread.objects.filter(pk=threads["deleted"].pk).update(deleted_at=timezone.now())
    threads["deleted"].refresh_from_db()
    for user in ("observer", "observer_expired"):
        ObserverGrant.objects.create(user=users[user], scope="category", object_id=open_cat.pk)
    users["observer_expired"].access_ends_at = timezone.now() - timedelta(days=1)
    users["observer_expired"].save()
    Restriction.objects.create(user=users["muted"], kind="mute", scope="category", object_id=open_cat.pk,
                               reason="test")
    make_post(thread=threads["open"], author=users["member"])
    return users, threads


@pytest.mark.parametrize("kind", KINDS)
def test_view_and_reply_checks_agree_with_their_querysets(world, kind):
    users, threads = world
    user = users[kind]
    visible = set(permissions.visible_threads(user).values_list("pk", flat=True))
    repliable = set(permissions.repliable_threads(user).values_list("pk", flat=True))
    visible_posts = set(permissions.visible_posts(user).values_list("pk", flat=True))
    for name, thread in threads.items():
        thread = Thread.objects.select_related("category").get(pk=thread.pk)
        assert permissions.allows(permissions.check_view_thread, user, thread) == (thread.pk in visible), name
        assert permissions.allows(permissions.check_reply_to_thread, user, thread) == (
            thread.pk in repliable), name
        for post in Post.objects.filter(thread=thread).select_related("thread__category"):
            assert permissions.allows(permissions.check_view_post, user, post) == (post.pk in visible_posts)


EXPECTED_REPLIABLE = {
    "anonymous": set(), "suspended": set(), "observer_expired": set(), "muted": set(),
    "member": {"open"}, "observer": {"open"}, "representative": {"open", "restricted"},
    "category_moderator": {"open", "locked"}, "moderator": {"open", "locked", "restricted", "mods_reply"},
}


@pytest.mark.parametrize("kind", KINDS)
def test_who_may_reply_where(world, kind):
    users, threads = world
    repliable = set(permissions.repliable_threads(users[kind]).values_list("pk", flat=True))
    assert repliable == {threads[n].pk for n in EXPECTED_REPLIABLE[kind]}


def test_every_action_has_a_check():
    for action in permissions.ACTIONS:
        assert callable(getattr(permissions, f"check_{action}")), action


def test_readers_among_agrees_with_the_view_check(world):
    from forum.accounts.models import User

    users, threads = world
    for name, thread in threads.items():
        thread = Thread.objects.select_related("category").get(pk=thread.pk)
        fresh = [User.objects.get(pk=u.pk) for k, u in users.items() if k != "anonymous"]
        readers = {u.pk for u in permissions.readers_among(thread, fresh)}
        expected = {u.pk for k, u in users.items() if k != "anonymous"
                    and permissions.allows(permissions.check_view_thread, User.objects.get(pk=u.pk), thread)}
        assert readers == expected, name


def test_a_missing_mfa_rule_is_an_error_not_an_open_door(monkeypatch, make_user, give_mfa):
    from forum.accounts import permissions as accounts

    representative = give_mfa(make_user(role="representative"))
    monkeypatch.delattr(accounts, "check_privileged_action")
    with pytest.raises(AttributeError):
        permissions.check_speak_for_organisation(representative, None)
