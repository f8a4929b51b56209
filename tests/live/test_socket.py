"""The live room socket `ws/rooms/<id>/` (forum/live/consumers.py): join, replay, acks, presence."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async

from tests.live.socket_helpers import *  # noqa: F403  (the room socket's fixtures)
from tests.live.socket_helpers import Room, headers

pytestmark = pytest.mark.django_db(transaction=True)


def _messages(frames):
    return [f for f in frames if f["type"] == "message"]


# --- connect ---------------------------------------------------------------------------------------
async def test_a_socket_without_a_session_is_refused_4401(room):
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    communicator = WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/", headers=headers())
    connected, code = await communicator.connect()
    assert not connected and code == 4401


async def test_an_unknown_or_invisible_room_is_refused_4404(make_session, make_organisation, member, cookie_for):
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    other = await sync_to_async(make_session)(audience="organisations", organisations=[
        await sync_to_async(make_organisation)()])
    cookie = await sync_to_async(cookie_for)(member)
    for path in ("/ws/rooms/999999/", f"/ws/rooms/{other.pk}/"):
        communicator = WebsocketCommunicator(application, path, headers=headers(cookie))
        connected, code = await communicator.connect()
        assert not connected and code == 4404, path


async def test_a_foreign_origin_is_refused(room, member, cookie_for):
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    cookie = await sync_to_async(cookie_for)(member)
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/",
                                         headers=headers(cookie, origin="https://evil.example"))
    connected, _code = await communicator.connect()
    assert not connected


# --- join and hello --------------------------------------------------------------------------------
async def test_join_says_hello_with_the_room_and_what_you_may_do(room, member, cookie_for, say, make_user):
    await sync_to_async(say)(room, await sync_to_async(make_user)())
    socket = await Room.open(room.pk, await sync_to_async(cookie_for)(member))
    hello = socket.hello
    assert hello["room"] == room.pk and hello["seq"] == 1
    assert hello["state"] == "open" and hello["read_only"] is False
    assert hello["you"]["id"] == member.pk and hello["you"]["send"] is True and hello["you"]["moderate"] is False
    assert hello["slow_mode"] == {"seconds": 0, "reason": "", "set_by": None}
    assert hello["presence"]["count"] == 1 and hello["presence"]["people"][0]["id"] == member.pk
    assert await socket.frames() == []  # a fresh client (after_seq null) is sent no replay
    await socket.close()


async def test_events_before_join_are_not_sent(room, member, make_user, cookie_for, say):
    socket = await Room.open(room.pk, await sync_to_async(cookie_for)(member), join=False)
    await sync_to_async(say)(room, await sync_to_async(make_user)())
    assert await socket.frames() == []
    await socket.send({"type": "join", "after_seq": 0})
    assert (await socket.next("hello"))["seq"] == 1
    assert [m["seq"] for m in _messages(await socket.frames())] == [1]
    await socket.close()


# --- sending: ack, broadcast, idempotence ------------------------------------------------------------
async def test_a_message_is_acknowledged_and_reaches_everyone_once(room, make_user, cookie_for):
    alice, bob = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    a = await Room.open(room.pk, await sync_to_async(cookie_for)(alice))
    b = await Room.open(room.pk, await sync_to_async(cookie_for)(bob))
    client_id = await a.say("مرحبا **بكم**")
    at_a = await a.frames()
    acks = [f for f in at_a if f["type"] == "ack"]
    assert len(acks) == 1 and acks[0]["client_id"] == client_id and acks[0]["seq"] == 1
    assert [m["id"] for m in _messages(at_a)] == [acks[0]["id"]]
    at_b = _messages(await b.frames())
    assert len(at_b) == 1
    message = at_b[0]
    assert message["client_id"] == client_id and message["author"]["id"] == alice.pk
    assert "<strong>بكم</strong>" in message["html"]
    await a.close()
    await b.close()


async def test_a_repeated_client_id_gets_the_same_ack_and_creates_nothing(room, member, cookie_for):
    from forum.live.models import ChatMessage, RoomEvent

    a = await Room.open(room.pk, await sync_to_async(cookie_for)(member))
    client_id = await a.say("once")
    first = [f for f in await a.frames() if f["type"] == "ack"][0]
    await a.say("once", client_id=client_id)
    again = await a.frames()
    assert again == [first]  # the same ack, no second message event
    assert await sync_to_async(ChatMessage.objects.filter(session=room).count)() == 1
    assert await sync_to_async(RoomEvent.objects.filter(session=room).count)() == 1
    await a.close()


# --- reconnect, gaps, bounded replay -----------------------------------------------------------------
async def test_a_client_that_reconnects_with_after_seq_gets_what_it_missed_once_in_order(room, make_user, cookie_for):
    alice, bob = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    a = await Room.open(room.pk, await sync_to_async(cookie_for)(alice))
    b = await Room.open(room.pk, await sync_to_async(cookie_for)(bob))
    await a.say("one")
    last = _messages(await b.frames())[-1]["seq"]
    await b.close()  # B goes offline while A sends three
    for body in ("two", "three", "four"):
        await a.say(body)
        await a.frames()
    b = await Room.open(room.pk, await sync_to_async(cookie_for)(bob), after_seq=last)
    assert b.hello["seq"] == last + 3
    await a.say("five")  # live again, after the replay
    got = _messages(await b.frames())
    assert [m["seq"] for m in got] == [last + 1, last + 2, last + 3, last + 4]
    assert [m["html"] for m in got] == ["two", "three", "four", "five"]
    await a.close()
    await b.close()


async def test_events_arriving_while_the_replay_is_read_are_sent_after_it_and_not_twice(
        room, make_user, cookie_for, say, monkeypatch):
    from forum.live.consumers import RoomConsumer

    alice, bob = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    for body in ("one", "two"):
        await sync_to_async(say)(room, alice, body)
    load = RoomConsumer.load_join

    def slow_load(self, after):
        state = load(self, after)
        say(room, alice, "three")  # committed (and broadcast) after the replay was read
        return state

    monkeypatch.setattr(RoomConsumer, "load_join", slow_load)
    b = await Room.open(room.pk, await sync_to_async(cookie_for)(bob), after_seq=0)
    assert b.hello["seq"] == 2
    assert [m["seq"] for m in _messages(await b.frames())] == [1, 2, 3]
    await b.close()


async def test_a_second_join_heals_a_gap(room, make_user, cookie_for, say):
    alice, bob = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    b = await Room.open(room.pk, await sync_to_async(cookie_for)(bob))
    for body in ("one", "two", "three"):
        await sync_to_async(say)(room, alice, body)
    assert [m["seq"] for m in _messages(await b.frames())] == [1, 2, 3]
    # The client noticed it lacks 2 (say it was lost on the way): it joins again after 1.
    await b.send({"type": "join", "after_seq": 1})
    assert (await b.next("hello"))["seq"] == 3
    assert [m["seq"] for m in _messages(await b.frames())] == [2, 3]
    await sync_to_async(say)(room, alice, "four")
    assert [m["seq"] for m in _messages(await b.frames())] == [4]
    await b.close()


async def test_too_far_behind_gets_resync(room, make_user, cookie_for, say, settings):
    settings.FORUM_LIVE_REPLAY_MAX = 3
    alice, bob = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    for n in range(5):
        await sync_to_async(say)(room, alice, f"m{n}")
    b = await Room.open(room.pk, await sync_to_async(cookie_for)(bob), after_seq=0)
    assert b.hello["seq"] == 5
    assert await b.frames() == [{"type": "resync", "seq": 5}]
    await sync_to_async(say)(room, alice, "while loading the history")
    assert await b.frames() == []  # nothing live until it joins again
    # After loading history over HTTP it joins with the seq the history gave.
    await b.send({"type": "join", "after_seq": 6})
    await b.next("hello")
    assert await b.frames() == []
    await sync_to_async(say)(room, alice, "new")
    assert [m["seq"] for m in _messages(await b.frames())] == [7]
    await b.close()


async def test_an_after_seq_beyond_the_room_gets_resync(room, member, cookie_for):
    b = await Room.open(room.pk, await sync_to_async(cookie_for)(member), after_seq=99)
    assert b.hello["seq"] == 0
    assert await b.frames() == [{"type": "resync", "seq": 0}]
    await b.close()


async def test_replay_never_sends_removed_text(room, make_user, cookie_for, say):
    from forum.live import services

    alice, bob = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    message = await sync_to_async(say)(room, alice, "regrettable")
    await sync_to_async(services.message_delete)(actor=alice, session=room, message_id=message.pk)
    b = await Room.open(room.pk, await sync_to_async(cookie_for)(bob), after_seq=0)
    frames = await b.frames()
    assert [f["type"] for f in frames] == ["message_removed", "message_removed"]
    assert "regrettable" not in str(frames)
    await b.close()


async def test_ping_answers_pong_with_the_latest_seq(room, member, cookie_for, say, make_user):
    b = await Room.open(room.pk, await sync_to_async(cookie_for)(member))
    assert (await b.ping())["seq"] == 0
    await sync_to_async(say)(room, await sync_to_async(make_user)(), "hi")
    await b.frames()
    assert (await b.ping())["seq"] == 1
    await b.close()


# --- presence and typing ---------------------------------------------------------------------------
async def test_two_sockets_of_one_person_count_once(room, make_user, cookie_for):
    alice, bob = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    cookie = await sync_to_async(cookie_for)(alice)
    tab = await Room.open(room.pk, cookie)
    phone = await Room.open(room.pk, cookie)
    assert phone.hello["presence"]["count"] == 1
    b = await Room.open(room.pk, await sync_to_async(cookie_for)(bob))
    assert b.hello["presence"]["count"] == 2
    presence = await tab.next("presence", quiet={"typing"})
    while presence["count"] != 2:
        presence = await tab.next("presence", quiet={"typing"})
    await tab.close()
    await asyncio.sleep(0.3)
    await b.send({"type": "join", "after_seq": None})
    assert (await b.next("hello"))["presence"]["count"] == 2  # alice is still there (her phone)
    await phone.close()
    left = await b.next("presence", quiet={"typing"}, timeout=3)
    while left["count"] != 1:
        left = await b.next("presence", quiet={"typing"}, timeout=3)
    assert [p["id"] for p in left["left"]] == [alice.pk]
    await b.close()


async def test_off_the_record_rooms_show_counts_not_people(make_session, make_user, cookie_for):
    room = await sync_to_async(make_session)(off_the_record=True)
    alice, bob = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    a = await Room.open(room.pk, await sync_to_async(cookie_for)(alice))
    b = await Room.open(room.pk, await sync_to_async(cookie_for)(bob))
    assert b.hello["presence"] == {"count": 2}
    presence = await a.next("presence", quiet={"typing"})
    assert set(presence) == {"type", "count"}
    await a.close()
    await b.close()


async def test_typing_is_told_to_the_room(room, make_user, cookie_for):
    alice, bob = await sync_to_async(make_user)(display_name="Alia"), await sync_to_async(make_user)()
    a = await Room.open(room.pk, await sync_to_async(cookie_for)(alice))
    b = await Room.open(room.pk, await sync_to_async(cookie_for)(bob))
    await a.send({"type": "typing"})
    typing = await b.next("typing", quiet={"presence"}, timeout=4)
    assert typing["people"] == [{"id": alice.pk, "name": "Alia"}]
    await a.close()
    await b.close()


# --- acks of other writes ------------------------------------------------------------------------
async def test_questions_votes_and_moderation_over_the_socket(room, make_user, cookie_for, session_moderator):
    alice = await sync_to_async(make_user)()
    moderator = await sync_to_async(session_moderator)(room)
    a = await Room.open(room.pk, await sync_to_async(cookie_for)(alice))
    m = await Room.open(room.pk, await sync_to_async(cookie_for)(moderator))
    assert m.hello["you"]["moderate"] is True
    client_id = str(uuid.uuid4())
    await a.send({"type": "ask", "client_id": client_id, "body": "Why?"})
    frames = await a.frames()
    ack = [f for f in frames if f["type"] == "ack"][0]
    assert ack["client_id"] == client_id and ack["held"] is False and ack["seq"] == 1
    question_id = ack["id"]
    await m.send({"type": "vote", "question_id": question_id})
    await m.send({"type": "answer", "question_id": question_id})
    await m.send({"type": "slow_mode", "seconds": 30, "reason": "calm"})
    at_a = await a.frames()
    updates = [f for f in at_a if f["type"] == "question_updated"]
    assert [u["votes"] for u in updates] == [1, 1] and updates[-1]["state"] == "answered"
    slow = [f for f in at_a if f["type"] == "slow_mode"]
    assert slow[0]["seconds"] == 30 and slow[0]["reason"] == "calm"
    assert [f["type"] for f in await m.frames() if f["type"] == "ack"] == ["ack"] * 3
    await a.close()
    await m.close()


async def test_held_questions_go_to_moderators_only(make_session, make_user, cookie_for, session_moderator):
    room = await sync_to_async(make_session)(questions_held=True)
    alice, bob = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    moderator = await sync_to_async(session_moderator)(room)
    a = await Room.open(room.pk, await sync_to_async(cookie_for)(alice))
    b = await Room.open(room.pk, await sync_to_async(cookie_for)(bob))
    m = await Room.open(room.pk, await sync_to_async(cookie_for)(moderator))
    await a.send({"type": "ask", "client_id": str(uuid.uuid4()), "body": "Held?"})
    ack = [f for f in await a.frames() if f["type"] == "ack"][0]
    assert ack["held"] is True and ack["seq"] is None
    assert [f["type"] for f in await m.frames()] == ["question_held"]
    assert await b.frames() == []
    await m.send({"type": "approve", "question_id": ack["id"]})
    assert [f["type"] for f in await b.frames()] == ["question"]
    for socket in (a, b, m):
        await socket.close()


# --- the session changed in its form while open ---------------------------------------------------
async def test_changing_mode_or_held_questions_of_an_open_session_is_announced_at_once(make_session, make_user,
                                                                                       cookie_for, give_mfa):
    from forum.live.services import sessions

    alice, organiser = await sync_to_async(make_user)(), await sync_to_async(give_mfa)(await sync_to_async(make_user)())
    room = await sync_to_async(make_session)(mode="both", organisers=[organiser])
    a = await Room.open(room.pk, await sync_to_async(cookie_for)(alice))
    assert a.hello["mode"] == "both" and a.hello["questions_held"] is False
    await sync_to_async(sessions.session_update)(actor=organiser, session=room, mode="qa", questions_held=True)
    assert await a.next("room_state") == {"type": "room_state", "seq": 1, "state": "open", "read_only": False,
                                          "mode": "qa", "questions_held": True}
    # What Alice may do follows: no chat any more (the client disables its composer).
    assert (await a.next("you", timeout=10))["you"]["send"] is False
    assert [f for f in await a.frames() if f["type"] in ("room_state", "you")] == []  # once each
    # The room now refuses chat, and a question is held.
    await a.send({"type": "send", "client_id": str(uuid.uuid4()), "body": "Still chat?"})
    assert (await a.next("error"))["code"] == "chat_off"
    await a.send({"type": "ask", "client_id": str(uuid.uuid4()), "body": "Held now?"})
    assert (await a.next("ack"))["held"] is True
    # A title change is no room event; a client that was away is replayed the change.
    await sync_to_async(sessions.session_update)(actor=organiser, session=room, title="Renamed")
    assert [f for f in await a.frames() if f["type"] == "room_state"] == []
    late = await Room.open(room.pk, await sync_to_async(cookie_for)(alice), after_seq=0)
    assert [(f["seq"], f["mode"]) for f in await late.frames() if f["type"] == "room_state"] == [(1, "qa")]
    await sync_to_async(sessions.session_update)(actor=organiser, session=room, mode="both")
    assert (await a.next("room_state"))["mode"] == "both"
    assert (await a.next("you", timeout=10))["you"]["send"] is True
    await a.close()
    await late.close()


async def test_changing_a_scheduled_sessions_mode_is_no_room_event(make_session, make_user, give_mfa):
    from forum.live.models import RoomEvent
    from forum.live.services import sessions

    organiser = await sync_to_async(give_mfa)(await sync_to_async(make_user)())
    room = await sync_to_async(make_session)(state="scheduled", starts_at=None, organisers=[organiser])
    await sync_to_async(sessions.session_update)(actor=organiser, session=room, mode="chat")
    assert await sync_to_async(RoomEvent.objects.filter(session=room).count)() == 0
