"""ws/consultations/<id>/: the open comparison page hears of new and revised positions; a plain
thread, an unknown id or a consultation the reader may not see is refused before accepting."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from forum.consultations import events

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    yield
    from django.db import connections

    await sync_to_async(connections.close_all)()


@pytest.fixture
def cookie_for(client):
    def make(user):
        client.force_login(user)
        return f"sessionid={client.cookies['sessionid'].value}"

    return make


async def _connect(path, cookie=None):
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def test_a_new_and_a_revised_position_reach_an_open_page(make_consultation, make_representative, make_user,
                                                                submit, cookie_for):
    def setup():
        consultation = make_consultation()
        return consultation, make_representative(), cookie_for(make_user(role="member"))

    consultation, rep, cookie = await sync_to_async(setup)()
    communicator, connected, _ = await _connect(f"/ws/consultations/{consultation.pk}/", cookie)
    assert connected
    position = await sync_to_async(submit)(actor=rep, consultation=consultation, stance="against")
    event = json.loads(await communicator.receive_from(timeout=2))
    assert event == {"type": events.POSITION_CHANGED, "consultation": consultation.pk,
                     "organisation": position.organisation_id, "revision": 1}
    await sync_to_async(submit)(actor=rep, consultation=consultation, stance="abstain", base_revision=1)
    assert json.loads(await communicator.receive_from(timeout=2))["revision"] == 2
    # A frame from the page is not part of the protocol: an error, and the socket stays open.
    await communicator.send_json_to({"type": "resume", "after": 0})
    assert json.loads(await communicator.receive_from(timeout=2))["type"] == "error"
    await communicator.disconnect()


async def test_refused_before_accepting(make_consultation, make_thread, make_user, make_category, make_organisation,
                                        cookie_for, organiser):
    def setup():
        hidden = make_consultation(category=make_category(visibility="restricted",
                                                          allowed_organisations=[make_organisation()]))
        return hidden, make_thread(), cookie_for(make_user(role="member"))

    hidden, plain, cookie = await sync_to_async(setup)()
    for path in (f"/ws/consultations/{hidden.pk}/", f"/ws/consultations/{plain.pk}/", "/ws/consultations/999999/"):
        _c, connected, code = await _connect(path, cookie)
        assert not connected and code == 4404, path
    _c, connected, code = await _connect(f"/ws/consultations/{hidden.pk}/")
    assert not connected and code == 4401
