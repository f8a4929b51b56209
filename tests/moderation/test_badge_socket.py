"""The moderators' queue count over their notification socket (ws/notifications/)."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    yield
    from django.db import connections

    await sync_to_async(connections.close_all)()


async def _connect(client, user):
    await sync_to_async(client.force_login)(user)
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost"),
               (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    await communicator.receive_from()  # the unread count sent on connect
    return communicator


async def test_a_flag_counts_up_on_the_moderators_socket_and_not_on_the_members(client, post, moderator, make_user,
                                                                                flag_post):
    from django.test import Client

    moderator_socket = await _connect(client, moderator)
    reporter = await sync_to_async(make_user)(role="member")
    member_socket = await _connect(Client(), reporter)
    await sync_to_async(flag_post)(post, reporter)
    assert json.loads(await moderator_socket.receive_from(timeout=5)) == {"type": "moderation.queue", "count": 1}
    assert await member_socket.receive_nothing(timeout=0.3)
    await moderator_socket.disconnect()
    await member_socket.disconnect()
