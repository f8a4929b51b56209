"""Polls over the thread's socket (ws/threads/<id>/): a vote tells every open page of the thread that
the results moved, with ids and a link, never counts of options or a voter's name or id (a secret
ballot's event is the same as a public one's); the page fetches the results it may see."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.exceptions import PermissionDenied

from config.asgi import application
from forum.polls import services

from .conftest import option_ids

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


async def _open(path, cookie):
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie.encode())]
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _code = await communicator.connect()
    assert connected
    hello = json.loads(await communicator.receive_from(timeout=2))
    assert hello["type"] == "hello"
    communicator.seq = hello["seq"]
    return communicator


@pytest.mark.parametrize("secret", [True, False])
async def test_a_vote_reaches_open_pages_of_the_thread_without_names(make_poll, make_user, cookie_for, secret):
    def setup():
        poll = make_poll(secret=secret)
        return poll, make_user(), make_user(display_name="Salma Voter")

    poll, reader, voter = await sync_to_async(setup)()
    cookie = await sync_to_async(cookie_for)(reader)
    communicator = await _open(f"/ws/threads/{poll.thread_id}/", cookie)
    await sync_to_async(lambda: services.ballot_cast(voter=voter, poll=poll,
                                                     option_ids=option_ids(poll, "South")))()
    raw = await communicator.receive_from(timeout=2)
    event = json.loads(raw)
    assert event == {"type": "polls.poll.counted", "poll_id": poll.pk, "thread_id": poll.thread_id, "ballots": 1,
                     "results_url": f"/polls/{poll.pk}/results/", "seq": communicator.seq + 1}
    assert "Salma" not in raw and str(voter.pk) not in json.dumps({k: v for k, v in event.items()
                                                                   if k not in ("poll_id", "thread_id", "seq")})
    await communicator.disconnect()


async def test_closing_a_poll_is_announced(make_poll, make_user, cookie_for):
    poll = await sync_to_async(make_poll)()
    cookie = await sync_to_async(cookie_for)(await sync_to_async(make_user)())
    communicator = await _open(f"/ws/threads/{poll.thread_id}/", cookie)
    await sync_to_async(lambda: services.poll_close(actor=poll.thread.author, poll=poll))()
    event = json.loads(await communicator.receive_from(timeout=2))
    assert event["type"] == "polls.poll.changed" and event["poll_id"] == poll.pk
    assert event["seq"] == communicator.seq + 1  # numbered with the thread's posts (one sequence)
    await communicator.disconnect()


async def test_a_refused_vote_sends_nothing(make_poll, make_user, cookie_for):
    poll = await sync_to_async(make_poll)()
    def observer_of(category_id):
        from forum.accounts.models import ObserverGrant

        observer = make_user(role="observer")
        ObserverGrant.objects.create(user=observer, scope="category", object_id=category_id)
        return observer

    observer = await sync_to_async(observer_of)(poll.thread.category_id)
    cookie = await sync_to_async(cookie_for)(await sync_to_async(make_user)())
    communicator = await _open(f"/ws/threads/{poll.thread_id}/", cookie)
    with pytest.raises(PermissionDenied):
        await sync_to_async(lambda: services.ballot_cast(voter=observer, poll=poll,
                                                         option_ids=option_ids(poll, "South")))()
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()
