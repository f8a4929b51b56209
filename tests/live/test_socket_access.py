"""Access on an open room socket follows changes (issue #8 §3): a mute, a removal, a sign-out,
read-only and the session closing take effect at once; a database that is down acknowledges
nothing and the socket recovers."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async

from tests.live.socket_helpers import *  # noqa: F403  (the room socket's fixtures)
from tests.live.socket_helpers import Room

pytestmark = pytest.mark.django_db(transaction=True)


def _types(frames):
    return [f["type"] for f in frames]


async def test_a_mute_takes_effect_on_the_open_socket(room, make_user, cookie_for, session_moderator):
    from forum.live import services
    from forum.live.models import ChatMessage

    alice = await sync_to_async(make_user)()
    moderator = await sync_to_async(session_moderator)(room)
    a = await Room.open(room.pk, await sync_to_async(cookie_for)(alice))
    await sync_to_async(services.participant_mute)(actor=moderator, session=room, user=alice, minutes=10,
                                                   reason="shouting")
    you = await a.next("you")
    assert you["you"]["send"] is False and you["you"]["muted"] is True and you["you"]["muted_until"]
    client_id = await a.say("still shouting")
    answer = await a.next()
    assert (answer["type"], answer["code"], answer["client_id"]) == ("error", "muted", client_id)
    assert not await sync_to_async(ChatMessage.objects.exists)()
    assert (await a.ping())["type"] == "pong"  # still reading the room
    await a.close()


async def test_a_mute_written_by_another_process_is_applied_to_the_next_write(room, make_user, cookie_for,
                                                                              session_moderator):
    """Even before the socket hears of it (the event is still on its way), the service refuses."""
    from forum.accounts.models import Restriction

    alice = await sync_to_async(make_user)()
    a = await Room.open(room.pk, await sync_to_async(cookie_for)(alice))
    await a.say("first")
    await a.frames()
    await sync_to_async(Restriction.objects.create)(user=alice, kind="mute", scope="session", object_id=room.pk,
                                                    reason="quiet")  # no event sent
    await a.say("second")
    answer = await a.next()
    assert (answer["type"], answer["code"]) == ("error", "muted")
    await a.close()


async def test_a_removed_participant_is_cut_off(room, make_user, cookie_for, session_moderator, say):
    from forum.live import services

    alice = await sync_to_async(make_user)()
    moderator = await sync_to_async(session_moderator)(room)
    a = await Room.open(room.pk, await sync_to_async(cookie_for)(alice))
    await sync_to_async(services.participant_remove)(actor=moderator, session=room, user=alice, reason="abuse")
    await asyncio.sleep(0.3)  # "within a second": the removal crosses the channel layer
    await sync_to_async(say)(room, moderator, "after the removal")
    frames = await a.frames()
    assert _types(frames) == ["error", "close"], frames
    assert frames[0]["code"] == "forbidden" and frames[1]["code"] in (4403, 4404)


async def test_a_removal_the_socket_did_not_hear_of_closes_it_at_the_next_write(room, make_user, cookie_for):
    from forum.accounts.models import Restriction
    from forum.live.models import ChatMessage

    alice = await sync_to_async(make_user)()
    a = await Room.open(room.pk, await sync_to_async(cookie_for)(alice))
    await sync_to_async(Restriction.objects.create)(user=alice, kind="suspension", scope="session",
                                                    object_id=room.pk, reason="gone")  # no event sent
    await a.say("hello?")
    frames = await a.frames()
    assert _types(frames) == ["error", "close"] and frames[1]["code"] in (4403, 4404)
    assert not await sync_to_async(ChatMessage.objects.exists)()


async def test_signing_out_closes_the_socket(room, member, cookie_for, make_user, say):
    a = await Room.open(room.pk, await sync_to_async(cookie_for)(member))
    await sync_to_async(cookie_for.clients[member.pk].logout)()
    await sync_to_async(say)(room, await sync_to_async(make_user)(), "after the sign-out")
    frames = await a.frames()
    assert frames == [{"type": "error", "code": "signed_out", "message": frames[0]["message"]},
                      {"type": "close", "code": 4401}]


async def test_read_only_refuses_members_and_not_moderators(room, make_user, cookie_for, session_moderator):
    from forum.live.models import ChatMessage

    alice = await sync_to_async(make_user)()
    moderator = await sync_to_async(session_moderator)(room)
    a = await Room.open(room.pk, await sync_to_async(cookie_for)(alice))
    m = await Room.open(room.pk, await sync_to_async(cookie_for)(moderator))
    await m.send({"type": "read_only", "read_only": True, "reason": "the speaker is on"})
    state = [f for f in await a.frames() if f["type"] == "room_state"]
    assert state[0]["read_only"] is True and state[0]["state"] == "open"
    await a.say("may I?")
    answer = await a.next()
    assert (answer["type"], answer["code"]) == ("error", "read_only")
    await m.frames()
    await m.say("moderators may")
    assert "ack" in _types(await m.frames())
    assert await sync_to_async(ChatMessage.objects.count)() == 1
    await a.close()
    await m.close()


async def test_closing_the_session_stops_writes_and_cuts_observers_off(room, make_user, cookie_for,
                                                                       session_moderator, give_mfa):
    from forum.accounts import services as accounts_services
    from forum.live.models import ChatMessage

    alice = await sync_to_async(make_user)()
    observer = await sync_to_async(make_user)(role="observer")
    admin = await sync_to_async(give_mfa)(await sync_to_async(make_user)(role="admin"))
    await sync_to_async(accounts_services.observer_grant)(actor=admin, user=observer, scope="session",
                                                          object_id=room.pk)
    moderator = await sync_to_async(session_moderator)(room)
    a = await Room.open(room.pk, await sync_to_async(cookie_for)(alice))
    o = await Room.open(room.pk, await sync_to_async(cookie_for)(observer))
    m = await Room.open(room.pk, await sync_to_async(cookie_for)(moderator))
    assert o.hello["you"]["observer"] is True and o.hello["you"]["send"] is False
    await m.send({"type": "close"})
    at_a = await a.frames()
    assert [f["state"] for f in at_a if f["type"] == "room_state"] == ["closed"]
    client_id = await a.say("too late")
    answer = await a.next()
    assert (answer["type"], answer["code"], answer["client_id"]) == ("error", "closed", client_id)
    assert not await sync_to_async(ChatMessage.objects.exists)()
    at_o = await o.frames()
    assert _types(at_o) == ["room_state", "error", "close"], at_o
    assert at_o[1]["code"] == "forbidden" and at_o[2]["code"] in (4403, 4404)
    await a.close()
    await m.close()


async def test_a_database_that_is_down_acknowledges_nothing_and_the_socket_recovers(
        room, member, cookie_for, monkeypatch):
    from django.db import OperationalError

    from forum.live.models import ChatMessage
    from forum.live.services import room as room_services

    a = await Room.open(room.pk, await sync_to_async(cookie_for)(member))
    lock = room_services._lock

    def down(session):
        raise OperationalError("the database is down")

    monkeypatch.setattr(room_services, "_lock", down)
    client_id = await a.say("lost?")
    answer = await a.next()
    assert (answer["type"], answer["code"], answer["client_id"]) == ("error", "unavailable", client_id)
    assert await a.frames() == []  # no ack, nothing broadcast
    assert not await sync_to_async(ChatMessage.objects.exists)()
    monkeypatch.setattr(room_services, "_lock", lock)
    await a.say("lost?", client_id=client_id)  # the client sends it again
    frames = [await a.next(), await a.next()]
    assert sorted(_types(frames)) == ["ack", "message"]
    await a.close()


async def test_a_database_error_outside_the_services_is_unavailable_too(room, member, cookie_for, monkeypatch):
    from django.db import OperationalError

    from forum.live.consumers import RoomConsumer

    a = await Room.open(room.pk, await sync_to_async(cookie_for)(member))

    def down(self, after):
        raise OperationalError("the database is down")

    monkeypatch.setattr(RoomConsumer, "load_join", down)
    await a.send({"type": "join", "after_seq": 0})
    answer = await a.next()
    assert (answer["type"], answer["code"]) == ("error", "unavailable")
    monkeypatch.undo()
    await a.send({"type": "join", "after_seq": 0})
    assert (await a.next("hello"))["seq"] == 0
    await asyncio.sleep(0)
    await a.close()
