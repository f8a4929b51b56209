import json

import pytest
from channels.testing import WebsocketCommunicator

from config.asgi import application


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
