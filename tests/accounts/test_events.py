"""A change of access reaches the member's open sockets at once: sanctions, observer grants, role
changes and account deletion send `accounts.access.changed` to the member's own group after commit,
and open sockets check access again (a thread page's socket closes)."""

from __future__ import annotations

import asyncio
import json

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from config.asgi import application
from forum.accounts import events, services
from forum.accounts.models import ObserverGrant, Restriction
from forum.core import realtime

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin_client(make_user):
    admin = make_user(role="admin", email="root@example.org")
    TOTP.activate(admin, generate_totp_secret())
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def listen():
    """listen(user) -> drain: a channel in the user's own group; drain() returns the events it got."""
    layer = get_channel_layer()

    def make(user):
        channel = async_to_sync(layer.new_channel)("test.")
        async_to_sync(layer.group_add)(realtime.user_group(user.pk), channel)

        async def drain():
            received = []
            while True:
                try:
                    received.append((await asyncio.wait_for(layer.receive(channel), timeout=0.3))["event"])
                except TimeoutError:
                    return received

        return async_to_sync(drain)

    return make


def test_deleting_ones_account_tells_ones_sockets(make_user, listen):
    user = make_user()
    drain = listen(user)
    services.account_delete(user=user, actor=user)
    got = drain()
    # Erasing the account also deletes its organisation membership, which is announced on its own.
    assert got[-1] == events.access_changed(user_id=user.pk, reason="deleted")
    assert all(event["type"] == events.ACCESS_CHANGED and event["user_id"] == user.pk for event in got)


def test_a_sanction_added_or_lifted_in_the_admin_tells_the_members_sockets(admin_client, make_user, listen):
    member = make_user(email="m@example.org")
    drain = listen(member)
    response = admin_client.post("/admin/accounts/restriction/add/", {
        "user": member.pk, "kind": "suspension", "scope": "site", "object_id": "", "reason": "spam",
        "starts_at_0": timezone.now().strftime("%Y-%m-%d"), "starts_at_1": "00:00:00",
        "ends_at_0": "", "ends_at_1": "", "lifted_at_0": "", "lifted_at_1": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    restriction = Restriction.objects.get(user=member)
    response = admin_client.post("/admin/accounts/restriction/", {"action": "lift_restrictions",
                                                                  "_selected_action": [restriction.pk]})
    assert response.status_code == 302
    restriction.refresh_from_db()
    assert restriction.lifted_at is not None
    assert drain() == [events.access_changed(user_id=member.pk, reason="restriction")] * 2


def test_an_observer_grant_removed_in_the_admin_tells_the_observers_sockets(admin_client, make_user, listen):
    observer = make_user(role="observer")
    grant = ObserverGrant.objects.create(user=observer, scope="category", object_id=1)
    drain = listen(observer)
    admin_client.post("/admin/accounts/observergrant/", {"action": "revoke_grants",
                                                         "_selected_action": [grant.pk]})
    assert not ObserverGrant.objects.exists()
    assert drain() == [events.access_changed(user_id=observer.pk, reason="observer_grant")]


def test_a_role_change_tells_the_members_sockets_a_name_change_does_not(admin_client, make_user, listen):
    user = make_user(display_name="Hadi Karam", email="hadi@example.org")
    form = {"email": "hadi@example.org", "display_name": "Hadi K", "bio": "", "preferred_language": "",
            "role": "member", "access_ends_at_0": "", "access_ends_at_1": "", "is_active": "on",
            "role_reason": ""}
    drain = listen(user)  # one listener per step: channels-redis binds a channel to one event loop
    assert admin_client.post(f"/admin/accounts/user/{user.pk}/change/", form).status_code == 302
    assert drain() == []
    drain = listen(user)
    assert admin_client.post(f"/admin/accounts/user/{user.pk}/change/", {
        **form, "role": "observer", "access_ends_at_0": "2099-01-01", "access_ends_at_1": "10:00:00",
        "role_reason": "Invited as an envoy"}).status_code == 302
    assert drain() == [events.access_changed(user_id=user.pk, reason="role")]


def test_the_event_names_only_known_reasons():
    with pytest.raises(ValueError):
        events.access_changed(user_id=1, reason="because")


@pytest.fixture
def open_thread(make_user):
    from forum.categories.models import Category
    from forum.discussions.models import Thread

    member = make_user(email="reader@example.org")
    category = Category.objects.create(name="General", slug="general")
    thread = Thread.objects.create(category=category, title="Water", author=member, last_activity_at=timezone.now())
    client = Client()
    client.force_login(member)
    return member, thread, f"sessionid={client.cookies['sessionid'].value}"


async def test_suspending_a_member_closes_their_open_thread_socket_at_once(open_thread, admin_client):
    member, thread, cookie = open_thread
    communicator = WebsocketCommunicator(application, f"/ws/threads/{thread.pk}/", headers=[
        (b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie.encode())])
    connected, _ = await communicator.connect()
    assert connected
    assert json.loads(await communicator.receive_from(timeout=3))["type"] == "hello"  # the thread's latest number
    response = await sync_to_async(admin_client.post)("/admin/accounts/restriction/add/", {
        "user": member.pk, "kind": "suspension", "scope": "site", "object_id": "", "reason": "spam",
        "starts_at_0": timezone.now().strftime("%Y-%m-%d"), "starts_at_1": "00:00:00",
        "ends_at_0": "", "ends_at_1": "", "lifted_at_0": "", "lifted_at_1": ""})
    assert response.status_code == 302
    frame = json.loads(await communicator.receive_from(timeout=3))
    assert frame["type"] == "error" and frame["code"] == "forbidden"
    closed = await communicator.receive_output(timeout=3)
    assert closed["type"] == "websocket.close" and closed["code"] in (4403, 4404)
    await communicator.disconnect()


def test_a_pending_suspension_is_announced_only_once_confirmed(make_user, listen):
    from forum.accounts.models import Restriction as _Restriction

    first, second = make_user(role="moderator"), make_user(role="moderator")
    for moderator in (first, second):
        TOTP.activate(moderator, generate_totp_secret())
    representative = make_user(role="representative")
    drain = listen(representative)
    restriction = services.restriction_create(actor=first, user=representative, kind="ban", reason="Incitement")
    assert drain() == []
    drain = listen(representative)
    services.restriction_confirm(actor=second, restriction=_Restriction.objects.get(pk=restriction.pk))
    assert drain() == [events.access_changed(user_id=representative.pk, reason="restriction")]


def test_a_role_change_through_the_service_is_announced(make_user, listen):
    admin = make_user(role="admin")
    TOTP.activate(admin, generate_totp_secret())
    member = make_user()
    drain = listen(member)
    services.role_change(actor=admin, user=member, role="moderator", reason="Elected")
    assert drain() == [events.access_changed(user_id=member.pk, reason="role")]
