"""A member's open sockets are told when their organisation standing narrows, whichever way it is
changed: the service, or the admin (membership deleted or moved, organisation deactivated)."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client

from forum.accounts import events
from forum.core import realtime

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listen():
    """listen(user) -> drain: a channel in the user's group; drain() returns the events it got."""
    layer = get_channel_layer()

    def make(user):
        channel = async_to_sync(layer.new_channel)("test.")
        async_to_sync(layer.group_add)(realtime.user_group(user.pk), channel)

        async def drain():
            got = []
            while True:
                try:
                    got.append((await asyncio.wait_for(layer.receive(channel), timeout=0.3))["event"])
                except TimeoutError:
                    return got

        return async_to_sync(drain)

    return make


@pytest.fixture
def admin_client(make_user):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    admin = make_user(role="admin", email="root@example.org")
    TOTP.activate(admin, generate_totp_secret())
    client = Client()
    client.force_login(admin)
    return client


def _changed(user):
    return events.access_changed(user_id=user.pk, reason="membership")


def test_a_membership_deleted_in_the_admin_is_announced_once(admin_client, make_user, listen):
    member = make_user(role="member")
    membership = member.memberships.get()
    drain = listen(member)
    response = admin_client.post(f"/admin/organisations/membership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not member.memberships.exists()
    assert drain() == [_changed(member)]


def test_the_removal_service_announces_it_once(make_user, make_organisation, listen):
    from forum.organisations import services

    org = make_organisation()
    representative, member = make_user(role="representative", organisation=org), make_user(organisation=org)
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=representative, type="totp", data={"secret": "x"})
    drain = listen(member)
    services.membership_remove(actor=representative, membership=member.memberships.get())
    assert drain() == [_changed(member)]


def test_a_representative_made_a_member_is_announced_a_new_membership_is_not(make_user, make_organisation, listen):
    from forum.organisations.models import Membership

    representative = make_user(role="representative")
    drain = listen(representative)
    membership = representative.memberships.get()
    membership.kind = "member"
    membership.save()
    assert drain() == [_changed(representative)]
    newcomer = make_user(role="observer")
    drain = listen(newcomer)
    Membership.objects.create(user=newcomer, organisation=make_organisation(), kind="member")
    assert drain() == []


def test_deactivating_an_organisation_tells_its_members(make_user, make_organisation, listen):
    org = make_organisation()
    first, second = make_user(organisation=org), make_user(role="representative", organisation=org)
    drains = [listen(first), listen(second)]
    org.name = "Renamed"
    org.save()
    assert [drain() for drain in drains] == [[], []]
    drains = [listen(first), listen(second)]
    org.active = False
    org.save()
    assert [drain() for drain in drains] == [[_changed(first)], [_changed(second)]]
