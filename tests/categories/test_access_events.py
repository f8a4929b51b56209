"""When who may see a category changes, open sockets showing it are told to check again.

Every write to a category goes through `forum.categories.services` (the admin's too), which
announces it: `categories.access.changed` goes to the category's access group and its
subcategories' after commit, for changes that can narrow access only.
"""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from forum.categories import events, services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin(make_user, give_mfa):
    return give_mfa(make_user(role="admin"))


@pytest.fixture
def listen():
    """listen(*categories) -> drain: a channel in those access groups; drain() returns the category
    ids it was told about (one listener per step: channels-redis binds a channel to one loop)."""
    layer = get_channel_layer()

    def make(*categories):
        channel = async_to_sync(layer.new_channel)("test.")
        for category in categories:
            async_to_sync(layer.group_add)(events.access_group(category.pk), channel)

        async def drain():
            got = []
            while True:
                try:
                    message = await asyncio.wait_for(layer.receive(channel), timeout=0.3)
                except TimeoutError:
                    return sorted(got)
                assert message["event"]["type"] == events.ACCESS_CHANGED
                got.append(message["event"]["category_id"])

        return async_to_sync(drain)

    return make


def test_a_visibility_change_is_announced_to_the_category_and_its_subcategories(make_category, listen, admin):
    parent = make_category()
    child = make_category(parent=parent)
    before_commit, after_commit = listen(parent, child), listen(parent, child)
    with transaction.atomic():
        services.category_update(actor=admin, category=parent, visibility="restricted")
        assert before_commit() == []  # not before the commit
    assert after_commit() == sorted([parent.pk, child.pk])
    drain = listen(parent, child)
    services.category_update(actor=admin, category=parent, allowed_roles=["moderator"])
    assert drain() == sorted([parent.pk, child.pk])


def test_a_rolled_back_change_is_not_announced(make_category, listen, admin):
    category = make_category()
    drain = listen(category)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.category_update(actor=admin, category=category, visibility="restricted")
        raise RuntimeError
    assert drain() == []


def test_counters_names_positions_and_widening_are_not_announced(make_category, listen, admin):
    category = make_category(visibility="restricted")
    drain = listen(category)
    services.category_update(actor=admin, category=category, name="Renamed", position=4)
    services.category_update(actor=admin, category=category, visibility="restricted")  # unchanged
    services.category_update(actor=admin, category=category, visibility="members")
    assert drain() == [category.pk]  # a visibility change, either way: open sockets check again
    drain = listen(category)
    services.category_update(actor=admin, category=category, name="Renamed again", description="New")
    assert drain() == []


def test_moving_a_category_under_another_parent_is_announced(make_category, listen, admin):
    category, new_parent = make_category(), make_category(visibility="restricted")
    drain = listen(category)
    services.category_update(actor=admin, category=category, parent=new_parent)
    assert drain() == [category.pk]


def test_an_organisation_or_moderator_removed_is_announced(make_category, make_organisation, make_user,
                                                           listen, admin):
    org, moderator = make_organisation(), make_user(role="member")
    first = make_category(visibility="restricted", allowed_organisations=[org], moderators=[moderator])
    second = make_category(visibility="restricted", allowed_organisations=[org])
    drain = listen(first, second)
    services.category_allowed_organisations_set(actor=admin, category=first,
                                                organisations=[org, make_organisation()])  # widening
    services.category_moderators_set(actor=admin, category=second, moderators=[moderator])  # widening
    assert drain() == []
    drain = listen(first, second)
    services.category_moderators_set(actor=admin, category=first, moderators=[])
    assert drain() == [first.pk]
    drain = listen(first, second)
    services.category_allowed_organisations_set(actor=admin, category=first, organisations=[])
    assert drain() == [first.pk]
    drain = listen(first, second)
    services.category_allowed_organisations_set(actor=admin, category=second, organisations=[])
    assert drain() == [second.pk]


def test_a_deleted_category_is_announced_with_its_subcategories(make_category, listen, admin):
    category = make_category()
    child = make_category(parent=category)
    ids = sorted([category.pk, child.pk])
    drain = listen(category, child)
    services.category_delete(actor=admin, category=category)
    assert drain() == ids
