"""Open sockets follow the session and the account, in time: signing out, ending other sessions, an
observer's access end and a sanction that starts later close them at that moment, and only the
sockets they concern."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.asgi import application

from .conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    yield
    await sync_to_async(connections.close_all)()


def _signed_in(email, agent):
    client = Client(HTTP_USER_AGENT=agent)
    assert sign_in(client, email).status_code == 302
    return client


async def _badge(client):
    from channels.testing import WebsocketCommunicator

    cookie = f"sessionid={client.cookies['sessionid'].value}"
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=[
        (b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie.encode())])
    connected, code = await communicator.connect()
    assert connected, code
    assert json.loads(await communicator.receive_from())["type"] == "notifications.unread"
    return communicator


async def _closed_with(communicator, error_code, close_codes, timeout=2.0):
    error = json.loads(await communicator.receive_from(timeout=timeout))
    assert error["type"] == "error" and error["code"] == error_code and error["message"]
    closed = await communicator.receive_output(timeout=timeout)
    assert closed["type"] == "websocket.close" and closed["code"] in close_codes


async def test_signing_out_closes_the_sockets_of_that_session_only(make_user):
    await sync_to_async(make_user)(email="two@example.org")
    laptop = await sync_to_async(_signed_in)("two@example.org", "Laptop")
    phone = await sync_to_async(_signed_in)("two@example.org", "Phone")
    laptop_socket, phone_socket = await _badge(laptop), await _badge(phone)
    response = await sync_to_async(laptop.post)(reverse("account_logout"))
    assert response.status_code == 302
    await _closed_with(laptop_socket, "signed_out", (4401,))
    assert await phone_socket.receive_nothing(timeout=0.3)
    await phone_socket.disconnect()


async def test_signing_out_the_other_sessions_closes_their_sockets(make_user):
    await sync_to_async(make_user)(email="two@example.org")
    laptop = await sync_to_async(_signed_in)("two@example.org", "Laptop")
    phone = await sync_to_async(_signed_in)("two@example.org", "Phone")
    laptop_socket, phone_socket = await _badge(laptop), await _badge(phone)
    response = await sync_to_async(laptop.post)(reverse("usersessions_list"))  # "sign out other sessions"
    assert response.status_code == 302
    await _closed_with(phone_socket, "signed_out", (4401,))
    assert await laptop_socket.receive_nothing(timeout=0.3)
    await laptop_socket.disconnect()


async def test_an_observers_socket_closes_when_their_access_ends_with_nobody_acting(make_user):
    ends = timezone.now() + timedelta(seconds=1)
    await sync_to_async(make_user)(email="envoy@example.org", role="observer")

    def shorten():
        from forum.accounts.models import User

        User.objects.filter(email="envoy@example.org").update(access_ends_at=ends)
        return _signed_in("envoy@example.org", "Envoy")

    socket = await _badge(await sync_to_async(shorten)())
    await _closed_with(socket, "forbidden", (4403,), timeout=3)
    late = (timezone.now() - ends).total_seconds()
    assert 0 <= late < 1, late  # within a second of the moment, not at the next request


async def test_a_sanction_that_starts_later_closes_the_socket_when_it_starts(make_user):
    from forum.accounts import services
    from forum.accounts.models import Restriction

    member = await sync_to_async(make_user)(email="m@example.org")
    socket = await _badge(await sync_to_async(_signed_in)("m@example.org", "Laptop"))
    starts = timezone.now() + timedelta(seconds=1)

    def sanction():
        Restriction.objects.create(user=member, kind="suspension", scope="site", reason="later", starts_at=starts)
        services.access_changed(user_id=member.pk, reason="restriction")

    await sync_to_async(sanction)()
    assert await socket.receive_nothing(timeout=0.5)  # not yet
    began = time.monotonic()
    await _closed_with(socket, "forbidden", (4403,), timeout=3)
    assert time.monotonic() - began < 1.5
    assert timezone.now() >= starts


async def test_signing_out_one_session_from_the_list_closes_its_sockets_only(make_user):
    from allauth.usersessions.models import UserSession

    await sync_to_async(make_user)(email="three@example.org")
    laptop = await sync_to_async(_signed_in)("three@example.org", "Laptop")
    phone = await sync_to_async(_signed_in)("three@example.org", "Phone")
    tablet = await sync_to_async(_signed_in)("three@example.org", "Tablet")
    laptop_socket, phone_socket, tablet_socket = await _badge(laptop), await _badge(phone), await _badge(tablet)
    session = await UserSession.objects.aget(user_agent="Phone")
    response = await sync_to_async(laptop.post)(reverse("accounts:session_end", args=[session.pk]))
    assert response.status_code == 302
    await _closed_with(phone_socket, "signed_out", (4401,))
    assert await laptop_socket.receive_nothing(timeout=0.3)
    assert await tablet_socket.receive_nothing(timeout=0.1)
    await laptop_socket.disconnect()
    await tablet_socket.disconnect()
