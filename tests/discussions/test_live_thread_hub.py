"""Page sockets (thread, lists, notifications) through the process's hub (`forum/core/hub.py`):
their groups, the member's own included, come on the hub's one channel, so an access event is acted
on before the thread events sent after it; events are held while access is checked again."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings

from config.asgi import application
from forum.accounts import events as account_events
from forum.core import consumers as core_consumers
from forum.core import realtime
from forum.core.hub import get_hub
from forum.discussions import consumers, events
from tests.conftest import require_service

pytestmark = pytest.mark.django_db(transaction=True)


_opened: list = []


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    yield
    # Every socket the test opened ends while the test's event loop still runs: a consumer left
    # waiting on the Redis layer when the loop closes is cancelled together with the Redis client's
    # own tasks, and its clean-up then waits forever (seen as a hang at the loop's close).
    while _opened:
        communicator = _opened.pop()
        try:
            await communicator.disconnect()
        except Exception:  # noqa: BLE001, S110 - already closed by the server
            pass
    from django.db import connections

    await sync_to_async(connections.close_all)()


@pytest.fixture
def cookie_for(client):
    def make(user):
        client.force_login(user)
        return f"sessionid={client.cookies['sessionid'].value}"

    return make


@pytest.fixture
def thread(make_thread, make_user):
    return make_thread(author=make_user(), title="Hub thread")


# The thread's sequence number said by the last `hello` (thread events are numbered from it).
_hello_seq: dict[str, int] = {}


async def _open(path, cookie):
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie.encode())]
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _code = await communicator.connect()
    assert connected
    _opened.append(communicator)
    if path.startswith("/ws/threads/"):  # a thread socket first says where the thread's numbers stand
        hello = await communicator.receive_json_from(timeout=5)
        assert hello["type"] == events.HELLO
        _hello_seq[path] = hello["seq"]
    return communicator


async def _send(layer, group, event):
    await layer.group_send(group, realtime.relay_message(group, event))


async def _frames(communicator, timeout=0.5):
    """Every frame until the socket is quiet (or closed): [event dict or {"close": code}]."""
    frames = []
    while not await communicator.receive_nothing(timeout=timeout):
        output = await communicator.receive_output()
        if output["type"] == "websocket.close":
            frames.append({"close": output.get("code")})
            break
        frames.append(json.loads(output["text"]))
    return frames


def _post(n, thread):
    """The thread's n-th event after the socket's hello (numbered as `events.next_seq` would)."""
    return {"type": events.POST_CREATED, "thread_id": thread.pk, "post_id": n,
            "seq": _hello_seq[f"/ws/threads/{thread.pk}/"] + n}


def _suspend(member):
    from forum.accounts.models import Restriction

    Restriction.objects.create(user=member, kind="suspension", scope="site", reason="spam")


async def test_the_thread_socket_follows_its_groups_through_the_hub_and_leaves_them(thread, member, cookie_for):
    cookie = await sync_to_async(cookie_for)(member)
    communicator = await _open(f"/ws/threads/{thread.pk}/", cookie)
    hub = get_hub()
    user_group, thread_group = realtime.user_group(member.pk), events.thread_group(thread.pk)
    assert hub.subscriber_count(user_group) == 1 and hub.subscriber_count(thread_group) == 1
    layer = get_channel_layer()
    if hasattr(layer, "groups"):  # the in-memory layer shows its members: only the hub's channel
        assert set(layer.groups.get(thread_group, {})) == {hub.channel}
    assert hub.groups[thread_group].ordered  # THREAD_EVENTS_ORDERED: thread events carry a per-thread seq
    await communicator.disconnect()
    await asyncio.sleep(0.05)
    assert hub.subscriber_count(user_group) == 0 and hub.subscriber_count(thread_group) == 0


async def test_an_access_event_is_acted_on_before_the_thread_events_sent_after_it(thread, member, cookie_for):
    cookie = await sync_to_async(cookie_for)(member)
    communicator = await _open(f"/ws/threads/{thread.pk}/", cookie)
    assert get_hub().subscriber_count(realtime.user_group(member.pk)) == 1
    await sync_to_async(_suspend)(member)
    layer = get_channel_layer()
    await _send(layer, realtime.user_group(member.pk), {"type": account_events.ACCESS_CHANGED})
    for n in range(1, 6):
        await _send(layer, events.thread_group(thread.pk), _post(n, thread))
    frames = await _frames(communicator)
    # Suspended: the thread is out of reach (4404 or 4403 by the thread's rule), and no post went.
    assert [frame.get("type") for frame in frames[:-1]] == ["error"] and frames[0]["code"] == "forbidden"
    assert frames[-1]["close"] in (4403, 4404)


async def test_events_that_follow_an_access_event_are_held_then_forwarded_in_order(
        thread, member, cookie_for, monkeypatch):
    cookie = await sync_to_async(cookie_for)(member)
    communicator = await _open(f"/ws/threads/{thread.pk}/", cookie)
    release = asyncio.Event()
    real_check = consumers.ThreadConsumer.run_check

    async def slow_check(self):
        await release.wait()
        return await real_check(self)

    monkeypatch.setattr(consumers.ThreadConsumer, "run_check", slow_check)
    layer = get_channel_layer()
    await _send(layer, realtime.user_group(member.pk), {"type": account_events.ACCESS_CHANGED})
    for n in (3, 1, 2):
        await _send(layer, events.thread_group(thread.pk), _post(n, thread))
    assert await communicator.receive_nothing(timeout=0.3)  # nothing while access is checked
    release.set()
    frames = await _frames(communicator)
    assert [frame["post_id"] for frame in frames] == [1, 2, 3]  # the hub put them back in seq order
    # Afterwards events go straight on again.
    await _send(layer, events.thread_group(thread.pk), _post(4, thread))
    assert [frame["post_id"] for frame in await _frames(communicator)] == [4]
    await communicator.disconnect()


async def test_with_ordered_thread_events_the_hub_puts_them_back_in_order(thread, member, cookie_for, monkeypatch):
    monkeypatch.setattr(consumers.ThreadConsumer, "hub_ordered", True)  # what THREAD_EVENTS_ORDERED = True does
    cookie = await sync_to_async(cookie_for)(member)
    communicator = await _open(f"/ws/threads/{thread.pk}/", cookie)
    assert get_hub().groups[events.thread_group(thread.pk)].ordered
    layer = get_channel_layer()
    for n in (2, 1, 3):
        await _send(layer, events.thread_group(thread.pk), _post(n, thread))
    assert [frame["post_id"] for frame in await _frames(communicator)] == [1, 2, 3]
    await communicator.disconnect()


async def test_the_constant_orders_thread_and_list_sockets_alike():
    assert consumers.ThreadConsumer.hub_ordered is consumers.THREAD_EVENTS_ORDERED
    assert consumers.CategoryListConsumer.hub_ordered is consumers.THREAD_EVENTS_ORDERED


async def test_a_thread_change_is_forwarded_after_the_check_and_what_follows_after_it(thread, member, cookie_for):
    cookie = await sync_to_async(cookie_for)(member)
    communicator = await _open(f"/ws/threads/{thread.pk}/", cookie)
    layer = get_channel_layer()
    changed = {"type": events.THREAD_CHANGED, "thread_id": thread.pk, "category_id": thread.category_id,
               "seq": _post(1, thread)["seq"]}
    await _send(layer, events.thread_group(thread.pk), changed)
    await _send(layer, events.thread_group(thread.pk), _post(2, thread))
    frames = await _frames(communicator)
    assert [frame["type"] for frame in frames] == [events.THREAD_CHANGED, events.POST_CREATED]
    await communicator.disconnect()


async def test_too_many_events_while_access_is_checked_close_the_socket_with_resync(
        thread, member, cookie_for, monkeypatch):
    monkeypatch.setattr(core_consumers, "MAX_HELD_EVENTS", 5)
    cookie = await sync_to_async(cookie_for)(member)
    communicator = await _open(f"/ws/threads/{thread.pk}/", cookie)
    release = asyncio.Event()

    async def stuck_check(self):
        await release.wait()
        return None

    monkeypatch.setattr(consumers.ThreadConsumer, "run_check", stuck_check)
    layer = get_channel_layer()
    await _send(layer, realtime.user_group(member.pk), {"type": account_events.ACCESS_CHANGED})
    for n in range(1, 8):
        await _send(layer, events.thread_group(thread.pk), _post(n, thread))
    frames = await _frames(communicator)
    release.set()
    assert frames == [{"type": "resync", "last_seq": None}, {"close": core_consumers.CLOSE_TRY_AGAIN}]
    await asyncio.sleep(0.2)  # the check ends on a closed socket: it follows nothing again
    assert get_hub().subscriber_count(events.thread_group(thread.pk)) == 0


async def test_the_sockets_own_timer_holds_events_while_it_checks(thread, member, cookie_for, monkeypatch):
    cookie = await sync_to_async(cookie_for)(member)
    communicator = await _open(f"/ws/threads/{thread.pk}/", cookie)
    release = asyncio.Event()
    real_check = consumers.ThreadConsumer.run_check

    async def slow_check(self):
        await release.wait()
        return await real_check(self)

    monkeypatch.setattr(consumers.ThreadConsumer, "run_check", slow_check)
    await sync_to_async(_suspend)(member)
    # What the socket's own timer sends itself when an access end comes (`wake_after`).
    layer = get_channel_layer()
    (socket,) = get_hub().groups[events.thread_group(thread.pk)].subscribers
    socket.send_to_self({"type": core_consumers.RECHECK_HANDLER})
    await asyncio.sleep(0.05)
    await _send(layer, events.thread_group(thread.pk), _post(1, thread))
    release.set()
    frames = await _frames(communicator)
    kinds = [frame.get("type", frame.get("close")) for frame in frames]
    assert events.POST_CREATED not in kinds
    assert kinds[-2] == "error" and kinds[-1] in (4403, 4404)


async def test_a_session_end_closes_the_list_and_notification_sockets_before_later_events(
        make_category, member, cookie_for):
    category = await sync_to_async(make_category)()
    cookie = await sync_to_async(cookie_for)(member)
    lists = await _open("/ws/categories/", cookie)
    assert (await lists.receive_json_from(timeout=2))["type"] == "subscribed"
    badge = await _open("/ws/notifications/", cookie)
    assert (await badge.receive_json_from(timeout=2))["type"] == "notifications.unread"
    hub = get_hub()
    assert hub.subscriber_count(realtime.user_group(member.pk)) == 2
    assert hub.subscriber_count(events.category_group(category.pk)) == 1
    layer = get_channel_layer()
    key = cookie.split("=", 1)[1]
    await _send(layer, realtime.user_group(member.pk),
                account_events.session_ended(user_id=member.pk, session_key=key))
    await _send(layer, events.category_group(category.pk),
                {"type": events.THREAD_CREATED, "thread_id": 1, "category_id": category.pk})
    await _send(layer, realtime.user_group(member.pk), {"type": "notifications.unread", "count": 2})
    for communicator in (lists, badge):
        frames = await _frames(communicator)
        assert [frame.get("type", frame.get("close")) for frame in frames] == ["error", 4401]
    await asyncio.sleep(0.05)
    # Closed sockets leave the hub at once (not only when the client's disconnect comes).
    assert hub.subscriber_count(realtime.user_group(member.pk)) == 0


@pytest.mark.services
async def test_on_redis_an_access_event_from_another_process_comes_before_the_posts_after_it(
        thread, member, cookie_for):
    require_service(bool(getattr(settings, "REDIS_URL", "")), "Redis (REDIS_URL)")
    from channels_redis.core import RedisChannelLayer

    cookie = await sync_to_async(cookie_for)(member)
    sockets = [await _open(f"/ws/threads/{thread.pk}/", cookie) for _ in range(3)]
    writer = RedisChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])
    await sync_to_async(_suspend)(member)
    await _send(writer, realtime.user_group(member.pk), {"type": account_events.ACCESS_CHANGED})
    for n in range(1, 6):
        await _send(writer, events.thread_group(thread.pk), _post(n, thread))
    for communicator in sockets:
        frames = await _frames(communicator, timeout=1)
        assert [frame.get("type") for frame in frames[:-1]] == ["error"] and frames[-1]["close"] in (4403, 4404)
    await writer.close_pools()
