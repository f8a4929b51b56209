"""The live room's hot path (issue #8 §6): what a socket asks the database, on which thread, and in
which order its room's writes leave. Speed itself is measured in `bench/live_fanout.py`."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async

from forum.core.hub import get_hub
from forum.live import consumers, events
from forum.live.consumers import RoomConsumer
from tests.live.socket_helpers import *  # noqa: F403  (the room socket's fixtures)
from tests.live.socket_helpers import Room

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def counted(monkeypatch):
    """calls[name] -> how many times RoomConsumer.<name> ran (still running it)."""
    calls = {}

    def count(name):
        original = getattr(RoomConsumer, name)

        def wrapper(self, *args, **kwargs):
            calls[name] = calls.get(name, 0) + 1
            return original(self, *args, **kwargs)

        monkeypatch.setattr(RoomConsumer, name, wrapper)

    count.calls = calls
    return count


# --- 1. ping: answered from the hub ------------------------------------------------------------------

async def test_ping_is_answered_from_the_hub_without_a_query(room, member, make_user, cookie_for, say, counted):
    counted("latest_seq")
    b = await Room.open(room.pk, await sync_to_async(cookie_for)(member))
    assert (await b.ping())["seq"] == 0
    await sync_to_async(say)(room, await sync_to_async(make_user)(), "hi")
    await sync_to_async(say)(room, await sync_to_async(make_user)(), "again")
    await b.frames()
    assert (await b.ping())["seq"] == 2
    assert counted.calls.get("latest_seq", 0) == 0


async def test_after_a_layer_error_the_next_ping_asks_the_database_once(room, member, make_user, cookie_for, say,
                                                                         counted):
    counted("latest_seq")
    b = await Room.open(room.pk, await sync_to_async(cookie_for)(member))
    await sync_to_async(say)(room, await sync_to_async(make_user)(), "hi")
    await b.frames()
    group = get_hub().groups[events.room_group(room.pk)]
    group.last_seq = None  # what the hub's receive loop does on a layer error: events may be lost
    await sync_to_async(say)(room, await sync_to_async(make_user)(), "sent while the hub was away")
    await b.frames()
    assert (await b.ping())["seq"] == 2  # read from the database (the relayed event is not trusted)
    assert (await b.ping())["seq"] == 2
    assert counted.calls["latest_seq"] == 1


# --- 2. the first join uses the connect's check -------------------------------------------------------

async def test_a_join_right_after_connect_checks_access_once(room, member, cookie_for, counted):
    counted("authorise")
    await Room.open(room.pk, await sync_to_async(cookie_for)(member))
    assert counted.calls["authorise"] == 1


async def test_a_late_join_and_a_second_join_check_again(room, member, cookie_for, counted, monkeypatch):
    counted("authorise")
    b = await Room.open(room.pk, await sync_to_async(cookie_for)(member))
    await b.send({"type": "join", "after_seq": 0})
    await b.next("hello")
    assert counted.calls["authorise"] == 2
    monkeypatch.setattr(consumers, "FRESH_JOIN_SECONDS", 0.0)
    late = await Room.open(room.pk, await sync_to_async(cookie_for)(member), join=False)
    await asyncio.sleep(0.05)
    await late.send({"type": "join"})
    await late.next("hello")
    assert counted.calls["authorise"] == 4


async def test_a_mute_between_connect_and_join_is_still_applied(room, make_user, cookie_for, session_moderator):
    from forum.live import services

    alice = await sync_to_async(make_user)()
    moderator = await sync_to_async(session_moderator)(room)
    a = await Room.open(room.pk, await sync_to_async(cookie_for)(alice), join=False)
    await sync_to_async(services.participant_mute)(actor=moderator, session=room, user=alice, minutes=10,
                                                   reason="shouting")
    await asyncio.sleep(0.3)  # the access event arrives on the user's group and checks again
    await a.send({"type": "join"})
    hello = await a.next("hello")
    assert hello["you"]["send"] is False and hello["you"]["muted"] is True


# --- 3. database threads, and the room's writes in seq order -------------------------------------------

async def test_concurrent_senders_on_a_pool_are_broadcast_in_seq_order(room, make_user, cookie_for, settings):
    settings.FORUM_WS_DB_THREADS = 4
    senders = [await Room.open(room.pk, await sync_to_async(cookie_for)(await sync_to_async(make_user)()))
               for _ in range(6)]
    readers = [await Room.open(room.pk, await sync_to_async(cookie_for)(await sync_to_async(make_user)()))
               for _ in range(2)]
    per_sender = 5
    for round_ in range(per_sender):  # every sender's frames in flight at once
        await asyncio.gather(*(s.say(f"{i}-{round_}") for i, s in enumerate(senders)))
    total = len(senders) * per_sender
    for reader in [*readers, *senders]:
        seqs = []
        while len(seqs) < total:
            frame = await reader.next(timeout=10)
            if frame["type"] == "message":
                seqs.append(frame["seq"])
        assert seqs == list(range(1, total + 1))


async def test_the_pool_closes_its_connections_and_stops(settings):
    from forum.core import dbthreads

    settings.FORUM_WS_DB_THREADS = 2
    threads = set()

    def where():
        import threading

        from django.db import connection

        connection.ensure_connection()
        threads.add(threading.get_ident())
        return connection.connection is not None

    assert await dbthreads.run(where)
    await dbthreads.shutdown()
    assert threads and threading_ident_not_main(threads)
    assert await dbthreads.run(where)  # a new pool after shutdown
    await dbthreads.shutdown()


def threading_ident_not_main(idents) -> bool:
    import threading

    return threading.main_thread().ident not in idents


# --- 6. a mute that ends is told --------------------------------------------------------------------

async def test_an_expiring_mute_is_pushed_as_you_when_it_ends(room, make_user, cookie_for, session_moderator):
    from django.utils import timezone

    from forum.accounts import services as accounts_services

    alice = await sync_to_async(make_user)()
    moderator = await sync_to_async(session_moderator)(room)
    a = await Room.open(room.pk, await sync_to_async(cookie_for)(alice))
    await sync_to_async(accounts_services.restriction_create)(
        actor=moderator, user=alice, kind="mute", reason="a moment", scope="session", object_id=room.pk,
        ends_at=timezone.now() + timedelta(seconds=1.5))
    muted = await a.next("you")
    assert muted["you"]["muted"] is True and muted["you"]["send"] is False
    spoken = await a.next("you", timeout=5)  # nobody acts: the socket's own timer
    assert spoken["you"]["muted"] is False and spoken["you"]["send"] is True
    client_id = await a.say("back")
    acks = [f for f in await a.frames() if f["type"] == "ack"]
    assert [(f["client_id"], f["seq"]) for f in acks] == [(client_id, 1)]


# --- 5. hello names the first people; the rest on demand --------------------------------------------

async def test_hello_names_the_first_people_and_the_rest_come_in_pages(room, make_user, cookie_for, monkeypatch):
    monkeypatch.setattr(consumers, "HELLO_PEOPLE", 2)
    monkeypatch.setattr(consumers, "PEOPLE_PAGE", 2)
    users = [await sync_to_async(make_user)() for _ in range(4)]
    sockets = [await Room.open(room.pk, await sync_to_async(cookie_for)(user)) for user in users]
    last = sockets[-1]
    presence = last.hello["presence"]
    assert (presence["count"], len(presence["people"]), presence["more"]) == (4, 2, 2)
    named = {p["id"] for p in presence["people"]}
    await last.send({"type": "people", "offset": 2})
    page = await last.next("people")
    assert (page["count"], page["offset"], page["more"]) == (4, 2, 0)
    named |= {p["id"] for p in page["people"]}
    assert named == {user.pk for user in users}
    await last.send({"type": "people"})  # from the start
    assert (await last.next("people"))["more"] == 2


@pytest.mark.parametrize("offset", [-1, "2", True, 1.5])
async def test_a_bad_people_offset_is_invalid_and_the_socket_stays(room, member, cookie_for, offset):
    b = await Room.open(room.pk, await sync_to_async(cookie_for)(member))
    await b.send({"type": "people", "offset": offset})
    error = await b.next("error")
    assert error["code"] == "invalid" and error["message"]
    assert (await b.ping())["type"] == "pong"


async def test_people_in_an_off_the_record_room_is_a_count(make_session, make_user, cookie_for):
    room = await sync_to_async(make_session)(off_the_record=True, state="open")
    a = await Room.open(room.pk, await sync_to_async(cookie_for)(await sync_to_async(make_user)()))
    await a.send({"type": "people"})
    assert await a.next("people") == {"type": "people", "offset": 0, "count": 1}
