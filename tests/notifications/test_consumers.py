"""ws/notifications/: a member's own badge channel."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from forum.notifications import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    """ORM calls made here through sync_to_async run on a worker thread with its own connection:
    close it after each test, so the test database can be dropped at the end."""
    yield
    from django.db import connections

    await sync_to_async(connections.close_all)()


def _headers(cookie=None):
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return headers


@pytest.fixture
def cookie(client, member):
    client.force_login(member)
    return f"sessionid={client.cookies['sessionid'].value}"


async def test_socket_without_session_is_closed_unauthenticated():
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=_headers())
    connected, code = await communicator.connect()
    assert not connected and code == 4401


async def test_badge_gets_the_count_on_connect_and_each_change(member, make_user, cookie):
    omar = await sync_to_async(make_user)()
    await sync_to_async(services.notify)(recipient=member, kind="reply", actor=omar, url="/x/", data={}, key="a")
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=_headers(cookie))
    connected, _ = await communicator.connect()
    assert connected
    assert json.loads(await communicator.receive_from()) == {"type": "notifications.unread", "count": 1}
    await sync_to_async(services.notify)(recipient=member, kind="mention", actor=omar, url="/y/", data={}, key="b")
    assert json.loads(await communicator.receive_from()) == {"type": "notifications.unread", "count": 2}
    await sync_to_async(services.mark_all_read)(actor=member)
    assert json.loads(await communicator.receive_from()) == {"type": "notifications.unread", "count": 0}
    await communicator.disconnect()


async def test_another_members_notifications_do_not_reach_this_socket(member, make_user, cookie):
    omar, sara = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=_headers(cookie))
    await communicator.connect()
    await communicator.receive_from()
    await sync_to_async(services.notify)(recipient=sara, kind="reply", actor=omar, url="/x/", data={})
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


async def test_count_frame_and_bad_frames(cookie):
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=_headers(cookie))
    await communicator.connect()
    await communicator.receive_from()
    await communicator.send_to(text_data=json.dumps({"type": "nope"}))
    error = json.loads(await communicator.receive_from())
    assert error["type"] == "error" and error["code"] == "unknown_type"
    await communicator.send_to(text_data=json.dumps({"type": "count"}))
    assert json.loads(await communicator.receive_from()) == {"type": "notifications.unread", "count": 0}
    await communicator.disconnect()


@pytest.mark.parametrize("kind", ["suspended", "expired_observer"])
async def test_members_without_access_are_refused(make_user, client, kind):
    def setup():
        user = make_user(suspended=True) if kind == "suspended" else make_user(role="observer", access_days=-1)
        client.force_login(user)
        return f"sessionid={client.cookies['sessionid'].value}"

    cookie = await sync_to_async(setup)()
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=_headers(cookie))
    connected, code = await communicator.connect()
    assert not connected and code == 4403


async def test_a_suspension_closes_the_open_badge_socket(member, cookie):
    from forum.accounts.models import Restriction
    from forum.core import realtime

    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=_headers(cookie))
    connected, _ = await communicator.connect()
    assert connected
    assert json.loads(await communicator.receive_from())["type"] == "notifications.unread"
    await sync_to_async(Restriction.objects.create)(user=member, kind="suspension", reason="spam")
    await sync_to_async(realtime.broadcast)(realtime.user_group(member.pk),
                                            {"type": "accounts.access.changed", "user_id": member.pk,
                                             "reason": "restriction"})
    error = json.loads(await communicator.receive_from())
    assert error["type"] == "error" and error["code"] == "forbidden"
    assert (await communicator.receive_output())["type"] == "websocket.close"


async def test_an_access_event_for_a_member_in_good_standing_keeps_the_socket(member, cookie):
    from forum.core import realtime

    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=_headers(cookie))
    await communicator.connect()
    await communicator.receive_from()
    await sync_to_async(realtime.broadcast)(realtime.user_group(member.pk),
                                            {"type": "accounts.access.changed", "user_id": member.pk,
                                             "reason": "role"})
    await communicator.send_to(text_data=json.dumps({"type": "count"}))
    assert json.loads(await communicator.receive_from()) == {"type": "notifications.unread", "count": 0}
    await communicator.disconnect()
