"""The live thread socket (ws/threads/<id>/) and the list socket (ws/categories/)."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings

from config.asgi import application
from forum.core import realtime
from forum.discussions import events, services
from tests.conftest import require_service

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


@pytest.fixture(autouse=True)
def _no_resume_overlap(monkeypatch):
    """Exact resume answers here; the overlap of recent posts has its own test."""
    monkeypatch.setattr(events, "RESUME_OVERLAP_SECONDS", 0)


@pytest.fixture
def cookie_for(client):
    def make(user):
        client.force_login(user)
        return f"sessionid={client.cookies['sessionid'].value}"

    return make


@pytest.fixture
def thread(make_thread, make_user):
    return make_thread(author=make_user(), title="Live thread")


async def _connect(path, cookie=None):
    """Connect; a thread socket's first frame (`hello {seq}`) is read and kept as `.hello`."""
    communicator = WebsocketCommunicator(application, path, headers=_headers(cookie))
    connected, code = await communicator.connect()
    communicator.hello = None
    if connected and path.startswith("/ws/threads/"):
        communicator.hello = json.loads(await communicator.receive_from(timeout=2))
    return communicator, connected, code


async def _receive(communicator):
    return json.loads(await communicator.receive_from(timeout=2))


async def test_socket_without_session_is_closed_unauthenticated(thread):
    _c, connected, code = await _connect(f"/ws/threads/{thread.pk}/")
    assert not connected and code == 4401


async def test_unknown_thread_is_closed_not_found(member, cookie_for):
    cookie = await sync_to_async(cookie_for)(member)
    _c, connected, code = await _connect("/ws/threads/999999/", cookie)
    assert not connected and code == 4404


async def test_a_thread_the_member_cannot_read_is_closed_not_found(make_thread, make_user, make_category,
                                                                  make_organisation, member, cookie_for, give_mfa):
    def setup():
        category = make_category(visibility="restricted", allowed_organisations=[make_organisation()])
        return make_thread(category=category, author=give_mfa(make_user(role="admin"))), cookie_for(member)

    hidden, cookie = await sync_to_async(setup)()
    _c, connected, code = await _connect(f"/ws/threads/{hidden.pk}/", cookie)
    assert not connected and code == 4404


async def test_a_new_reply_reaches_an_open_page(thread, member, cookie_for, make_post):
    cookie = await sync_to_async(cookie_for)(member)
    communicator, connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
    assert connected
    post = await sync_to_async(make_post)(thread=thread)  # committed: on_commit broadcasts
    event = await _receive(communicator)
    assert event["type"] == "discussions.post.created"
    assert event["post_id"] == post.pk and event["seq"] == communicator.hello["seq"] + 1
    assert event["thread_id"] == thread.pk
    assert event["fragment_url"] == f"/t/{thread.pk}/posts/{post.pk}/fragment/"
    await communicator.disconnect()


async def test_resume_sends_what_was_missed_then_resumed(thread, member, cookie_for, make_post):
    cookie = await sync_to_async(cookie_for)(member)

    def write():
        first = thread.posts.get(depth=0)
        missed = [make_post(thread=thread) for _ in range(3)]
        gone = make_post(thread=thread)
        services.post_delete(actor=gone.author, post=gone)
        return first, missed

    first, missed = await sync_to_async(write)()
    communicator, connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
    await communicator.send_to(text_data=json.dumps({"type": "resume", "after": first.pk}))
    got = [await _receive(communicator) for _ in range(4)]
    assert [e["post_id"] for e in got[:3]] == [p.pk for p in missed]
    seq = communicator.hello["seq"]
    assert got[3] == {"type": "resumed", "seq": seq, "last_post_id": missed[-1].pk, "last_seq": missed[-1].pk}
    await communicator.send_to(text_data=json.dumps({"type": "resume", "after": missed[-1].pk}))
    assert await _receive(communicator) == {"type": "resumed", "seq": seq, "last_post_id": missed[-1].pk,
                                            "last_seq": missed[-1].pk}
    await communicator.disconnect()


async def test_hello_tells_the_threads_latest_event_number(thread, member, cookie_for, make_post):
    cookie = await sync_to_async(cookie_for)(member)
    await sync_to_async(make_post)(thread=thread)
    communicator, connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
    assert connected
    assert communicator.hello == {"type": "hello", "seq": await sync_to_async(events.current_seq)(thread.pk)}
    post = await sync_to_async(make_post)(thread=thread)
    event = await _receive(communicator)
    assert event["post_id"] == post.pk and event["seq"] == communicator.hello["seq"] + 1
    await communicator.disconnect()


async def test_resume_with_after_post_and_after_seq_sends_missed_posts_and_recent_changes(
        thread, member, cookie_for, make_post, monkeypatch):
    monkeypatch.setattr(events, "RESUME_OVERLAP_SECONDS", 60)
    cookie = await sync_to_async(cookie_for)(member)
    seen = await sync_to_async(lambda: [make_post(thread=thread) for _ in range(3)])()
    communicator, _connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
    seen_seq = communicator.hello["seq"]

    def while_away():  # what the page misses: an edit, a deletion, a new reply
        services.post_edit(actor=seen[0].author, post=seen[0], source="changed")
        services.post_delete(actor=seen[1].author, post=seen[1])
        return make_post(thread=thread)

    await communicator.disconnect()
    new = await sync_to_async(while_away)()
    communicator, _connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
    assert communicator.hello["seq"] == seen_seq + 3
    await communicator.send_to(text_data=json.dumps({"type": "resume", "after_post": seen[-1].pk,
                                                     "after_seq": seen_seq}))
    got = []
    while (event := await _receive(communicator))["type"] != "resumed":
        got.append(event)
    kinds = {(e["type"], e["post_id"]) for e in got}
    assert ("discussions.post.created", new.pk) in kinds
    assert ("discussions.post.edited", seen[0].pk) in kinds
    assert ("discussions.post.removed", seen[1].pk) in kinds
    assert ("discussions.post.created", seen[1].pk) not in kinds  # a deleted post is never offered
    assert all("seq" not in e for e in got)  # replays come from the database, not the numbered stream
    assert event == {"type": "resumed", "seq": seen_seq + 3, "last_post_id": new.pk, "last_seq": new.pk}
    await communicator.disconnect()


async def test_resume_at_the_current_number_sends_only_resumed(thread, member, cookie_for, make_post, monkeypatch):
    monkeypatch.setattr(events, "RESUME_OVERLAP_SECONDS", 60)
    cookie = await sync_to_async(cookie_for)(member)
    post = await sync_to_async(make_post)(thread=thread)
    communicator, _connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
    seq = communicator.hello["seq"]
    await communicator.send_to(text_data=json.dumps({"type": "resume", "after_post": post.pk, "after_seq": seq}))
    assert await _receive(communicator) == {"type": "resumed", "seq": seq, "last_post_id": post.pk,
                                            "last_seq": post.pk}
    await communicator.disconnect()


async def test_the_old_resume_form_still_works(thread, member, cookie_for, make_post):
    cookie = await sync_to_async(cookie_for)(member)
    first = await sync_to_async(lambda: thread.posts.get(depth=0))()
    missed = await sync_to_async(make_post)(thread=thread)
    communicator, _connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
    await communicator.send_to(text_data=json.dumps({"type": "resume", "after": first.pk}))
    assert (await _receive(communicator))["post_id"] == missed.pk
    resumed = await _receive(communicator)
    assert resumed["type"] == "resumed" and resumed["last_seq"] == missed.pk == resumed["last_post_id"]
    await communicator.disconnect()


async def test_resume_repeats_recent_posts_that_may_have_committed_out_of_order(thread, member, cookie_for,
                                                                                make_post, monkeypatch):
    monkeypatch.setattr(events, "RESUME_OVERLAP_SECONDS", 60)
    cookie = await sync_to_async(cookie_for)(member)
    early, late = await sync_to_async(lambda: (make_post(thread=thread), make_post(thread=thread)))()
    communicator, _connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
    await communicator.send_to(text_data=json.dumps({"type": "resume", "after": late.pk}))
    got = []
    while True:
        event = await _receive(communicator)
        if event["type"] == "resumed":
            break
        got.append(event["post_id"])
    assert early.pk in got and late.pk in got  # known ids: the client ignores them
    await communicator.disconnect()


async def test_resume_after_too_much_asks_for_a_resync(thread, member, cookie_for, make_post, monkeypatch):
    monkeypatch.setattr(events, "RESUME_LIMIT", 2)
    cookie = await sync_to_async(cookie_for)(member)
    await sync_to_async(lambda: [make_post(thread=thread) for _ in range(3)])()
    communicator, _connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
    await communicator.send_to(text_data=json.dumps({"type": "resume", "after": 0}))
    assert await _receive(communicator) == {"type": "resync", "seq": communicator.hello["seq"], "last_post_id": 0,
                                            "last_seq": 0}
    await communicator.disconnect()


@pytest.mark.parametrize("frame,code", [
    ({"type": "resume"}, "bad_after"),
    ({"type": "resume", "after": "12"}, "bad_after"),
    ({"type": "resume", "after": -1}, "bad_after"),
    ({"type": "resume", "after": True}, "bad_after"),
    ({"type": "resume", "after_post": 1.5}, "bad_after"),
    ({"type": "resume", "after_post": 1, "after_seq": "9"}, "bad_after_seq"),
    ({"type": "resume", "after_post": 1, "after_seq": -1}, "bad_after_seq"),
    ({"type": "resume", "after_post": 1, "after_seq": False}, "bad_after_seq"),
    ({"type": "subscribe"}, "unknown_type"),
])
async def test_bad_frames_get_an_error_and_the_socket_stays_usable(thread, member, cookie_for, frame, code):
    cookie = await sync_to_async(cookie_for)(member)
    communicator, _connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
    await communicator.send_to(text_data=json.dumps(frame))
    error = await _receive(communicator)
    assert error["type"] == "error" and error["code"] == code and error["message"]
    last = await sync_to_async(lambda: thread.posts.get(depth=0).pk)()
    await communicator.send_to(text_data=json.dumps({"type": "resume", "after": last}))
    assert (await _receive(communicator))["type"] == "resumed"
    await communicator.disconnect()


async def test_a_thread_moved_out_of_reach_closes_the_socket(thread, member, cookie_for, make_user, give_mfa,
                                                              make_category, make_organisation):
    def setup():
        moderator = give_mfa(make_user(role="moderator"))
        hidden = make_category(visibility="restricted", allowed_organisations=[make_organisation()])
        return moderator, hidden, cookie_for(member)

    moderator, hidden, cookie = await sync_to_async(setup)()
    communicator, connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
    assert connected
    await sync_to_async(services.thread_move)(actor=moderator, thread=thread, category=hidden)
    error = await _receive(communicator)
    assert error["type"] == "error" and error["code"] == "forbidden"
    assert (await communicator.receive_output(timeout=2))["type"] == "websocket.close"


async def test_a_deleted_thread_closes_its_readers_sockets(thread, member, cookie_for, make_user, give_mfa):
    moderator = await sync_to_async(lambda: give_mfa(make_user(role="moderator")))()
    cookie = await sync_to_async(cookie_for)(member)
    communicator, connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
    assert connected
    await sync_to_async(services.thread_delete)(actor=moderator, thread=thread, reason="Spam")
    error = await _receive(communicator)
    assert error["type"] == "error" and error["code"] == "forbidden"
    assert (await communicator.receive_output(timeout=2))["type"] == "websocket.close"


async def test_a_locked_thread_is_announced_to_its_readers(thread, member, cookie_for, make_user, give_mfa):
    moderator = await sync_to_async(lambda: give_mfa(make_user(role="moderator")))()
    cookie = await sync_to_async(cookie_for)(member)
    communicator, _connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
    await sync_to_async(services.thread_lock)(actor=moderator, thread=thread, locked=True)
    event = await _receive(communicator)
    assert event["type"] == "discussions.thread.changed" and event["locked"] is True
    await communicator.disconnect()


async def test_list_socket_joins_only_visible_categories(make_category, make_organisation, make_thread, make_user,
                                                         member, cookie_for, make_post, give_mfa):
    def setup():
        open_category = make_category()
        hidden = make_category(visibility="restricted", allowed_organisations=[make_organisation()])
        return open_category, hidden, cookie_for(member)

    open_category, hidden, cookie = await sync_to_async(setup)()
    communicator, connected, _ = await _connect("/ws/categories/", cookie)
    assert connected
    hello = await _receive(communicator)
    assert open_category.pk in hello["category_ids"] and hidden.pk not in hello["category_ids"]
    admin = await sync_to_async(lambda: give_mfa(make_user(role="admin")))()
    await sync_to_async(make_thread)(category=hidden, author=admin)
    thread = await sync_to_async(make_thread)(category=open_category, title="Visible news")
    event = await _receive(communicator)
    assert event == events.thread_created(thread)
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


async def test_list_socket_can_be_narrowed_to_some_categories(make_category, member, cookie_for):
    a, b = await sync_to_async(lambda: (make_category(), make_category()))()
    cookie = await sync_to_async(cookie_for)(member)
    communicator, _connected, _ = await _connect(f"/ws/categories/?categories={b.pk},nonsense", cookie)
    assert (await _receive(communicator))["category_ids"] == [b.pk]
    await communicator.disconnect()


async def test_list_socket_needs_a_session():
    _c, connected, code = await _connect("/ws/categories/")
    assert not connected and code == 4401


@pytest.mark.services
async def test_events_cross_processes_through_redis(thread, member, make_user, cookie_for):
    """Two sockets (as if on two daphne processes) get an event sent by a third layer instance."""
    require_service(bool(getattr(settings, "REDIS_URL", "")), "Redis (REDIS_URL)")
    from channels_redis.core import RedisChannelLayer

    assert isinstance(get_channel_layer(), RedisChannelLayer)
    other = await sync_to_async(make_user)()
    sockets = []
    for user in (member, other):
        cookie = await sync_to_async(cookie_for)(user)
        communicator, connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
        assert connected
        sockets.append(communicator)
    writer = RedisChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])  # another process's layer
    event = {"type": "discussions.post.edited", "thread_id": thread.pk, "post_id": 1, "seq": 1}
    group = events.thread_group(thread.pk)
    await writer.group_send(group, realtime.relay_message(group, event))
    for communicator in sockets:
        assert await _receive(communicator) == event
        await communicator.disconnect()


async def test_a_sanction_closes_the_socket_at_once(thread, member, cookie_for):
    from forum.accounts.models import Restriction

    cookie = await sync_to_async(cookie_for)(member)
    communicator, connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
    assert connected
    await sync_to_async(Restriction.objects.create)(user=member, kind="suspension", scope="site", reason="spam")
    layer = get_channel_layer()
    group = realtime.user_group(member.pk)
    await layer.group_send(group, realtime.relay_message(group, {"type": "accounts.user.restricted"}))
    error = await _receive(communicator)
    assert error["type"] == "error" and error["code"] == "forbidden"
    assert (await communicator.receive_output(timeout=2))["type"] == "websocket.close"


async def test_unread_counts_and_account_events_are_not_relayed_to_the_thread_page(thread, member, cookie_for):
    cookie = await sync_to_async(cookie_for)(member)
    communicator, _connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
    layer = get_channel_layer()
    for event in ({"type": "notifications.unread", "count": 3}, {"type": "accounts.something"}):
        group = realtime.user_group(member.pk)
        await layer.group_send(group, realtime.relay_message(group, event))
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_list_socket_refuses_a_suspended_member(make_user, cookie_for):
    suspended = await sync_to_async(make_user)(suspended=True)
    cookie = await sync_to_async(cookie_for)(suspended)
    _c, connected, code = await _connect("/ws/categories/", cookie)
    assert not connected and code == 4403


async def test_a_resume_flood_is_refused_then_cut_off(thread, member, cookie_for, make_post, settings):
    """2,000 resume frames on a thread of 24 posts used to send 48,000 frames back."""
    # A refill this slow adds no frame however slow the machine is: the count below is exact.
    settings.FORUM_WS_FRAMES_PER_SECOND = 0.0001
    settings.FORUM_WS_FRAME_BURST = 20
    await sync_to_async(lambda: [make_post(thread=thread) for _ in range(23)])()
    cookie = await sync_to_async(cookie_for)(member)
    communicator, connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
    assert connected
    for _ in range(2000):
        await communicator.send_to(text_data=json.dumps({"type": "resume", "after": 0}))
    frames, closed = 0, None
    while closed is None:
        output = await communicator.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            closed = output["code"]
        else:
            frames += 1
    assert closed == 4429
    assert frames <= 20 * 25 + 1  # the burst's answers (24 posts and an end marker each), one warning


async def test_the_list_socket_narrows_when_a_category_closes_to_the_member(make_category, make_thread, make_user,
                                                                            member, cookie_for, give_mfa):
    kept, closing = await sync_to_async(lambda: (make_category(), make_category()))()
    cookie = await sync_to_async(cookie_for)(member)
    communicator, connected, _ = await _connect(f"/ws/categories/?categories={kept.pk},{closing.pk}", cookie)
    assert connected
    assert (await _receive(communicator))["category_ids"] == sorted([kept.pk, closing.pk])

    admin = await sync_to_async(lambda: give_mfa(make_user(role="admin")))()

    def close_category():
        from forum.categories import services

        services.category_update(actor=admin, category=closing, visibility="restricted")

    await sync_to_async(close_category)()
    assert await _receive(communicator) == {"type": "subscribed", "category_ids": [kept.pk]}
    await sync_to_async(make_thread)(category=closing, title="Now hidden", author=admin)
    visible = await sync_to_async(make_thread)(category=kept, title="Still shown")
    assert await _receive(communicator) == events.thread_created(visible)
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_a_counter_update_of_a_category_makes_no_socket_check_again(make_category, member, cookie_for):
    category = await sync_to_async(make_category)()
    cookie = await sync_to_async(cookie_for)(member)
    communicator, _connected, _ = await _connect(f"/ws/categories/?categories={category.pk}", cookie)
    await _receive(communicator)
    received = []
    layer = get_channel_layer()
    channel = await layer.new_channel("test.")
    from forum.categories import events as category_events

    await layer.group_add(category_events.access_group(category.pk), channel)

    def touch():
        category.name = "Renamed"
        category.position = 3
        category.save()

    await sync_to_async(touch)()
    try:
        import asyncio

        received.append(await asyncio.wait_for(layer.receive(channel), timeout=0.3))
    except TimeoutError:
        pass
    assert received == []
    await communicator.disconnect()


async def test_the_list_socket_forwards_no_event_about_a_category_it_may_not_show(make_category, make_organisation,
                                                                                 member, cookie_for):
    shown, hidden = await sync_to_async(lambda: (
        make_category(), make_category(visibility="restricted", allowed_organisations=[make_organisation()])))()
    cookie = await sync_to_async(cookie_for)(member)
    communicator, _connected, _ = await _connect(f"/ws/categories/?categories={shown.pk}", cookie)
    await _receive(communicator)
    layer = get_channel_layer()
    # An event naming a hidden category arriving on a group the socket is in (a stale join, a move):
    leak = {"type": events.THREAD_CHANGED, "thread_id": 1, "category_id": hidden.pk, "title": "Secret"}
    ok = {"type": events.THREAD_ACTIVITY, "thread_id": 2, "category_id": shown.pk, "last_post_id": 5}
    for event in (leak, ok):
        group = events.category_group(shown.pk)
        await layer.group_send(group, realtime.relay_message(group, event))
    assert await _receive(communicator) == ok
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


async def test_removal_from_the_organisation_closes_a_thread_only_it_could_read(make_category, make_organisation,
                                                                              make_thread, make_user, give_mfa,
                                                                              cookie_for):
    from forum.organisations import services as organisation_services

    def setup():
        org = make_organisation()
        reader = make_user(role="member", organisation=org)
        category = make_category(visibility="restricted", allowed_organisations=[org])
        admin = give_mfa(make_user(role="admin"))
        return reader, make_thread(category=category, author=admin), admin, cookie_for(reader)

    reader, thread, admin, cookie = await sync_to_async(setup)()
    communicator, connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
    assert connected
    await sync_to_async(organisation_services.membership_remove)(
        actor=admin, membership=await sync_to_async(reader.memberships.get)())
    error = await _receive(communicator)
    assert error["type"] == "error" and error["code"] == "forbidden"
    assert (await communicator.receive_output(timeout=2))["code"] in (4403, 4404)


@pytest.mark.services
async def test_access_events_cross_processes_through_redis(thread, member, cookie_for):
    """A sanction saved by one daphne process closes the thread and list sockets held by another,
    and a sign-out in a third closes the badge socket opened with that session."""
    require_service(bool(getattr(settings, "REDIS_URL", "")), "Redis (REDIS_URL)")
    from channels_redis.core import RedisChannelLayer

    from forum.accounts import events as account_events
    from forum.accounts.models import Restriction

    assert isinstance(get_channel_layer(), RedisChannelLayer)
    cookie = await sync_to_async(cookie_for)(member)
    sockets = []
    for path in (f"/ws/threads/{thread.pk}/", "/ws/categories/"):
        communicator, connected, _ = await _connect(path, cookie)
        assert connected
        sockets.append(communicator)
    await _receive(sockets[1])  # subscribed
    writer = RedisChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])  # another process's layer
    await sync_to_async(Restriction.objects.create)(user=member, kind="suspension", scope="site", reason="spam")
    event = account_events.access_changed(user_id=member.pk, reason="restriction")
    group = realtime.user_group(member.pk)
    await writer.group_send(group, realtime.relay_message(group, event))
    for communicator in sockets:
        error = await _receive(communicator)
        assert error["type"] == "error" and error["code"] == "forbidden"
        assert (await communicator.receive_output(timeout=2))["type"] == "websocket.close"


@pytest.mark.services
async def test_a_session_ended_in_another_process_closes_its_sockets_here(thread, member, cookie_for):
    require_service(bool(getattr(settings, "REDIS_URL", "")), "Redis (REDIS_URL)")
    from channels_redis.core import RedisChannelLayer
    from django.test import Client

    from forum.accounts import events as account_events

    def sign_in():
        client = Client()
        client.force_login(member)
        return f"sessionid={client.cookies['sessionid'].value}"

    cookie, other_cookie = await sync_to_async(sign_in)(), await sync_to_async(sign_in)()  # two sessions
    ended, connected, _ = await _connect(f"/ws/threads/{thread.pk}/", cookie)
    kept, also_connected, _ = await _connect(f"/ws/threads/{thread.pk}/", other_cookie)
    assert connected and also_connected
    writer = RedisChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])
    key = cookie.split("=", 1)[1]
    group = realtime.user_group(member.pk)
    await writer.group_send(group, realtime.relay_message(
        group, account_events.session_ended(user_id=member.pk, session_key=key)))
    error = await _receive(ended)
    assert error["type"] == "error" and error["code"] == "signed_out"
    assert (await ended.receive_output(timeout=2))["code"] == 4401
    assert await kept.receive_nothing(timeout=0.3)
    await kept.disconnect()
