"""When who may see a category changes, open sockets showing it are told to check again.

Categories are changed in the admin (no service yet), so model signals announce it:
`categories.access.changed` goes to the category's access group and its subcategories' after commit,
for changes that can narrow access only.
"""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from forum.categories import events

pytestmark = pytest.mark.django_db(transaction=True)


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


def test_a_visibility_change_is_announced_to_the_category_and_its_subcategories(make_category, listen):
    parent = make_category()
    child = make_category(parent=parent)
    drain = listen(parent, child)
    with transaction.atomic():
        parent.visibility = "restricted"
        parent.save()
        assert drain() == []  # not before the commit
    drain = listen(parent, child)
    parent.allowed_roles = ["moderator"]
    parent.save()
    assert drain() == sorted([parent.pk, child.pk])


def test_counters_names_and_positions_are_not_announced(make_category, listen):
    from forum.categories.models import Category

    category = make_category()
    drain = listen(category)
    category.name, category.position, category.thread_count = "Renamed", 4, 9
    category.save()
    Category.objects.get(pk=category.pk).save()
    Category.objects.only("id", "name").get(pk=category.pk).save()  # deferred fields: not loaded, not changed
    assert drain() == []


def test_moving_a_category_under_another_parent_is_announced(make_category, listen):
    category, new_parent = make_category(), make_category(visibility="restricted")
    drain = listen(category)
    category.parent = new_parent
    category.save()
    assert drain() == [category.pk]


def test_an_organisation_or_moderator_removed_is_announced_from_either_side(make_category, make_organisation,
                                                                           make_user, listen):
    org, moderator = make_organisation(), make_user(role="member")
    first = make_category(visibility="restricted", allowed_organisations=[org], moderators=[moderator])
    second = make_category(visibility="restricted", allowed_organisations=[org])
    drain = listen(first, second)
    first.allowed_organisations.add(make_organisation())  # widening: nobody loses anything
    assert drain() == []
    drain = listen(first, second)
    first.moderators.remove(moderator)
    assert drain() == [first.pk]
    drain = listen(first, second)
    first.allowed_organisations.clear()
    assert drain() == [first.pk]
    drain = listen(first, second)
    second.allowed_organisations.remove(org)
    assert drain() == [second.pk]
    # From the user's side (the moderators relation is reachable from both ends).
    first.moderators.add(moderator)
    second.moderators.add(moderator)
    drain = listen(first, second)
    moderator.moderated_categories.remove(second)
    assert drain() == [second.pk]
    drain = listen(first, second)
    moderator.moderated_categories.clear()
    assert drain() == [first.pk]


def test_a_deleted_category_is_announced(make_category, listen):
    category = make_category()
    category_id = category.pk
    drain = listen(category)
    category.delete()
    assert drain() == [category_id]
