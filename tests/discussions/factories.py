"""Keyword-only factories for categories, threads and posts, made through the real services.

Imported by the conftest of tests/categories and tests/discussions (and the browser tests).
"""

from __future__ import annotations

import itertools

import pytest

_n = itertools.count(1)


@pytest.fixture(autouse=True)
def _generous_post_rate(settings):
    """Factories write many posts quickly; the rate-limit tests set their own, lower rate."""
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "post": "100000/m"}


@pytest.fixture
def give_mfa(db):
    """give_mfa(user): the user has enrolled an authenticator app (privileged actions need it)."""
    from allauth.mfa.models import Authenticator

    from forum.accounts import permissions

    def give(user):
        Authenticator.objects.create(user=user, type="totp", data={"secret": "test"})
        permissions.forget(user)
        return user

    return give


@pytest.fixture
def make_category(db):
    from forum.categories.models import Category

    def make(*, name: str | None = None, slug: str | None = None, visibility: str = "members", parent=None,
             start_policy: str = "members", reply_policy: str = "members", is_consultation: bool = False,
             moderators=(), allowed_organisations=(), allowed_roles=(), position: int = 0) -> Category:
        n = next(_n)
        category = Category.objects.create(
            name=name or f"Category {n}", slug=slug or f"category-{n}", visibility=visibility, parent=parent,
            start_policy=start_policy, reply_policy=reply_policy, is_consultation=is_consultation,
            allowed_roles=list(allowed_roles), position=position,
        )
        category.moderators.set(moderators)
        category.allowed_organisations.set(allowed_organisations)
        return category

    return make


@pytest.fixture
def make_thread(db, make_category, make_user):
    from forum.discussions import services

    def make(*, category=None, author=None, title: str | None = None, source: str = "Opening post",
             on_behalf_of: bool = False):
        return services.thread_create(author=author or make_user(role="member"),
                                      category=category or make_category(),
                                      title=title or f"Thread {next(_n)}", source=source, on_behalf_of=on_behalf_of)

    return make


@pytest.fixture
def make_post(db, make_user):
    from forum.discussions import services

    def make(*, thread, author=None, parent=None, source: str | None = None, on_behalf_of: bool = False):
        return services.post_create(author=author or make_user(role="member"), thread=thread,
                                    source=source or f"Reply {next(_n)}", parent=parent,
                                    on_behalf_of=on_behalf_of)

    return make


@pytest.fixture
def root_of():
    def root(thread):
        return thread.posts.get(depth=0)

    return root
