import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from forum.core.consumers import JsonConsumer


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    """The socket checks the session and the user in a worker thread with its own connection:
    close it after each test, so the test database can be dropped at the end."""
    yield
    from django.db import connections

    await sync_to_async(connections.close_all)()


@pytest.fixture
def session_cookie(client, member):
    client.force_login(member)
    return f"sessionid={client.cookies['sessionid'].value}"


def _headers(cookie=None, origin="http://localhost"):
    headers = [(b"origin", origin.encode()), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return headers


@pytest.mark.django_db(transaction=True)
async def test_ping_answers_pong_for_a_signed_in_member(session_cookie):
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=_headers(session_cookie))
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_to(text_data=json.dumps({"type": "ping", "data": "مرحبا"}))
    assert json.loads(await communicator.receive_from()) == {"type": "pong", "data": "مرحبا"}
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_bad_frames_get_error_events_and_the_socket_stays_usable(session_cookie):
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=_headers(session_cookie))
    await communicator.connect()
    for frame, code in [("not json", "bad_json"), ("[1]", "bad_frame"), ('{"type": "nope"}', "unknown_type"),
                        ('{"type": "ping", "data": "' + "x" * 20000 + '"}', "too_large")]:
        await communicator.send_to(text_data=frame)
        reply = json.loads(await communicator.receive_from())
        assert reply["type"] == "error" and reply["code"] == code and reply["message"]
    await communicator.send_to(text_data=json.dumps({"type": "ping", "data": 1}))
    assert json.loads(await communicator.receive_from()) == {"type": "pong", "data": 1}
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_socket_without_session_is_closed_unauthenticated():
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=_headers())
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4401


@pytest.mark.django_db(transaction=True)
async def test_cross_origin_socket_is_refused(session_cookie):
    communicator = WebsocketCommunicator(application, "/ws/ping/",
                                         headers=_headers(session_cookie, origin="https://evil.example"))
    connected, _ = await communicator.connect()
    assert not connected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost.evil.example", "null"])
async def test_sockets_from_other_origins_are_refused_before_any_consumer_runs(session_cookie, origin):
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=_headers(session_cookie, origin=origin))
    connected, code = await communicator.connect()
    assert not connected and code == 1000  # daphne turns this into a 403 for the browser


@pytest.mark.django_db(transaction=True)
async def test_socket_without_an_origin_header_is_refused(session_cookie):
    headers = [(b"host", b"localhost"), (b"cookie", session_cookie.encode())]
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=headers)
    connected, _ = await communicator.connect()
    assert not connected


@pytest.fixture
def ended_session_cookie(client, member):
    client.force_login(member)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    client.logout()  # the session ends on the server; the browser may still send the cookie
    return cookie


@pytest.mark.django_db(transaction=True)
async def test_socket_with_an_ended_or_forged_session_is_closed_unauthenticated(ended_session_cookie):
    for cookie in (ended_session_cookie, "sessionid=forged-session-key-0123456789abcdef"):
        communicator = WebsocketCommunicator(application, "/ws/ping/", headers=_headers(cookie))
        connected, code = await communicator.connect()
        assert not connected and code == 4401


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("origin", ["http://localhost:1234", "https://localhost", "ws://localhost",
                                    "http://localhost:8000", "http://user@localhost", "http://localhost/path"])
async def test_another_scheme_or_port_of_an_allowed_host_is_refused(session_cookie, origin):
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=_headers(session_cookie, origin=origin))
    connected, code = await communicator.connect()
    assert not connected and code == 1000


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("host", "origin"), [("localhost", "http://LOCALHOST:80"), ("localhost:8000",
                                                                                      "http://localhost:8000")])
async def test_the_sites_own_origin_is_accepted(session_cookie, host, origin):
    headers = [(b"origin", origin.encode()), (b"host", host.encode()), (b"cookie", session_cookie.encode())]
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_deeply_nested_frame_gets_the_error_event_and_the_socket_stays_usable(session_cookie):
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=_headers(session_cookie))
    await communicator.connect()
    await communicator.send_to(text_data="[" * 3000 + "]" * 3000)  # 6 KB, 3,000 levels
    reply = json.loads(await communicator.receive_from())
    assert reply["type"] == "error" and reply["code"] == "bad_json"
    await communicator.send_to(text_data=json.dumps({"type": "ping", "data": 2}))
    assert json.loads(await communicator.receive_from()) == {"type": "pong", "data": 2}
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/ws/nope/", "/ws/threads/abc/", "/"])
async def test_an_unknown_socket_path_is_refused_not_found(session_cookie, path):
    communicator = WebsocketCommunicator(application, path, headers=_headers(session_cookie))
    connected, code = await communicator.connect()
    assert not connected and code == 4404


@pytest.mark.django_db(transaction=True)
async def test_a_frame_flood_is_refused_then_cut_off(session_cookie, settings, monkeypatch):
    monkeypatch.setattr(JsonConsumer, "frame_clock", staticmethod(lambda: 0.0))  # no refill, however slow
    settings.FORUM_WS_FRAMES_PER_SECOND = 5
    settings.FORUM_WS_FRAME_BURST = 20
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=_headers(session_cookie))
    await communicator.connect()
    for n in range(200):
        await communicator.send_to(text_data=json.dumps({"type": "ping", "data": n}))
    replies, closed = [], None
    while closed is None:
        output = await communicator.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            closed = output["code"]
        else:
            replies.append(json.loads(output["text"]))
    pongs = [r for r in replies if r["type"] == "pong"]
    errors = [r for r in replies if r["type"] == "error"]
    assert len(pongs) == 20  # the burst, not 200
    assert [e["code"] for e in errors] == ["rate_limited"] and errors[0]["message"]
    assert closed == 4429


@pytest.mark.django_db(transaction=True)
async def test_a_client_that_slows_down_after_the_warning_keeps_its_socket(session_cookie, settings, monkeypatch):
    now = [0.0]
    monkeypatch.setattr(JsonConsumer, "frame_clock", staticmethod(lambda: now[0]))
    settings.FORUM_WS_FRAMES_PER_SECOND = 50
    settings.FORUM_WS_FRAME_BURST = 3
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=_headers(session_cookie))
    await communicator.connect()
    for n in range(4):
        await communicator.send_to(text_data=json.dumps({"type": "ping", "data": n}))
    replies = [json.loads(await communicator.receive_from()) for _ in range(4)]
    assert [r["type"] for r in replies] == ["pong", "pong", "pong", "error"]
    now[0] += 0.1  # five frames' worth of budget comes back
    await communicator.send_to(text_data=json.dumps({"type": "ping", "data": "again"}))
    assert json.loads(await communicator.receive_from()) == {"type": "pong", "data": "again"}
    await communicator.disconnect()


def test_the_frame_budget_refills_at_its_rate():
    from forum.core.consumers import FrameBudget

    now = [0.0]
    budget = FrameBudget(2, 3, clock=lambda: now[0])
    assert [budget.take() for _ in range(4)] == [True, True, True, False]
    now[0] += 0.5  # one frame's worth
    assert [budget.take() for _ in range(2)] == [True, False]
    now[0] += 100  # never more than the burst
    assert sum(budget.take() for _ in range(10)) == 3


@pytest.mark.django_db(transaction=True)
async def test_a_socket_cut_off_for_flooding_is_closed_once_and_answers_nothing_more(session_cookie, settings):
    settings.FORUM_WS_FRAMES_PER_SECOND = 0.001  # no refill during the test
    settings.FORUM_WS_FRAME_BURST = 2
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=_headers(session_cookie))
    await communicator.connect()
    for n in range(8):
        await communicator.send_to(text_data=json.dumps({"type": "ping", "data": n}))
    outputs = []
    while not await communicator.receive_nothing(timeout=0.3):
        outputs.append(await communicator.receive_output())
    kinds = [o["type"] if o["type"] == "websocket.close" else json.loads(o["text"])["type"] for o in outputs]
    assert kinds == ["pong", "pong", "error", "websocket.close"]


@pytest.mark.django_db(transaction=True)
async def test_the_ping_socket_relays_nothing_sent_to_the_members_group(session_cookie, member):
    from channels.layers import get_channel_layer

    from forum.core import realtime

    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=_headers(session_cookie))
    assert (await communicator.connect())[0]
    group = realtime.user_group(member.pk)
    await get_channel_layer().group_send(group, realtime.relay_message(
        group, {"type": "notifications.unread", "count": 4}))
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_socket_has_no_channel_of_its_own_on_the_layer(session_cookie, monkeypatch):
    """Only the process's hub reads the channel layer (`JsonConsumer`): a socket that read it too
    could, closing, lose what it had taken for the others (tests/core/test_redis_layer.py)."""
    from channels.layers import get_channel_layer

    from forum.core.hub import get_hub

    layer = get_channel_layer()
    made, real_new_channel = [], layer.new_channel

    async def counting_new_channel(*args, **kwargs):
        name = await real_new_channel(*args, **kwargs)
        made.append(name)
        return name

    monkeypatch.setattr(layer, "new_channel", counting_new_channel)
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=_headers(session_cookie))
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_to(text_data=json.dumps({"type": "ping", "data": 1}))
    assert json.loads(await communicator.receive_from()) == {"type": "pong", "data": 1}
    assert made == [get_hub().channel]  # the hub's, made when the socket followed its user's group
    await communicator.disconnect()


def test_the_try_again_close_code_is_one_daphne_can_send():
    """autobahn (under daphne) refuses every close code but 1000 and 3000-4999: 1013 raised."""
    from forum.core.consumers import CLOSE_TRY_AGAIN

    assert CLOSE_TRY_AGAIN == 1000 or 3000 <= CLOSE_TRY_AGAIN <= 4999


@pytest.mark.django_db(transaction=True)
async def test_a_socket_closes_to_catch_up_when_the_hub_loses_the_layer(session_cookie):
    from forum.core.consumers import CLOSE_TRY_AGAIN
    from forum.core.hub import get_hub

    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=_headers(session_cookie))
    connected, _ = await communicator.connect()
    assert connected
    get_hub()._lost_everything()  # what a layer error in the hub's receive loop does
    assert await communicator.receive_output(timeout=2) == {"type": "websocket.close", "code": CLOSE_TRY_AGAIN}
    await communicator.disconnect()
