"""Bad frames on the room socket (issue #8 §7): each gets an `error` with a stable code and a
translated message, nothing is stored or broadcast, and the socket stays usable."""

from __future__ import annotations

import json
import uuid

import pytest
from asgiref.sync import sync_to_async

from forum.live.errors import CODES
from tests.live.socket_helpers import *  # noqa: F403  (the room socket's fixtures)
from tests.live.socket_helpers import Room

pytestmark = pytest.mark.django_db(transaction=True)


def _uuid():
    return str(uuid.uuid4())


# frame (text or dict), expected code
BAD_FRAMES = {
    "not_json": ("{not json", "bad_json"),
    "nested_and_over_16_kib": ("[" * 10_000 + "]" * 10_000, "too_large"),
    "deeply_nested_for_the_parser": ("[" * 5000 + "]" * 5000, "bad_json"),
    "too_deep": ({"type": "send", "client_id": _uuid(), "body": "x", "extra": {"a": {"b": {"c": 1}}}}, "invalid"),
    "too_large": ({"type": "send", "client_id": _uuid(), "body": "x" * 17000}, "too_large"),
    "not_an_object": ("[1, 2]", "bad_frame"),
    "no_type": ({"body": "x"}, "bad_frame"),
    "unknown_type": ({"type": "shout", "body": "x"}, "unknown_type"),
    "handler_name_is_not_a_type": ({"type": "_participant"}, "unknown_type"),
    "body_not_a_string": ({"type": "send", "client_id": _uuid(), "body": 42}, "invalid"),
    "body_a_list": ({"type": "send", "client_id": _uuid(), "body": ["x"]}, "invalid"),
    "no_client_id": ({"type": "send", "body": "x"}, "invalid"),
    "client_id_not_a_uuid": ({"type": "send", "client_id": "abc", "body": "x"}, "invalid"),
    "client_id_a_number": ({"type": "send", "client_id": 7, "body": "x"}, "invalid"),
    "client_id_too_long": ({"type": "send", "client_id": "x" * 65, "body": "x"}, "invalid"),
    "empty_body": ({"type": "send", "client_id": _uuid(), "body": "   "}, "empty"),
    "body_too_long": ({"type": "send", "client_id": _uuid(), "body": "x" * 2001}, "too_long"),
    "question_too_long": ({"type": "ask", "client_id": _uuid(), "body": "x" * 501}, "too_long"),
    "edit_id_a_string": ({"type": "edit", "id": "1", "body": "x"}, "invalid"),
    "edit_id_negative": ({"type": "edit", "id": -1, "body": "x"}, "invalid"),
    "delete_id_a_boolean": ({"type": "delete", "id": True}, "invalid"),
    "delete_unknown_id": ({"type": "delete", "id": 987654}, "not_found"),
    "vote_no_question": ({"type": "vote"}, "invalid"),
    "vote_question_a_float": ({"type": "vote", "question_id": 1.5}, "invalid"),
    "join_after_seq_negative": ({"type": "join", "after_seq": -1}, "invalid"),
    "join_after_seq_a_string": ({"type": "join", "after_seq": "3"}, "invalid"),
    "join_after_seq_a_boolean": ({"type": "join", "after_seq": False}, "invalid"),
    "moderation_by_a_member": ({"type": "close"}, "forbidden"),
    "slow_mode_by_a_member": ({"type": "slow_mode", "seconds": 5}, "forbidden"),
    "mute_minutes_a_string": ({"type": "mute", "user_id": 1, "minutes": "5", "reason": "x"}, "invalid"),
    "mute_by_a_member": ({"type": "mute", "user_id": 1, "minutes": 5, "reason": "x"}, "forbidden"),
    "remove_by_a_member": ({"type": "remove", "user_id": 1, "reason": "x"}, "forbidden"),
}


@pytest.mark.parametrize("case", sorted(BAD_FRAMES))
async def test_a_bad_frame_gets_an_error_changes_nothing_and_the_socket_stays_usable(
        case, room, member, cookie_for, make_user):
    from forum.live.models import ChatMessage, Question, RoomEvent

    frame, code = BAD_FRAMES[case]
    if isinstance(frame, dict) and "user_id" in frame:
        frame = {**frame, "user_id": (await sync_to_async(make_user)()).pk}
    socket = await Room.open(room.pk, await sync_to_async(cookie_for)(member))
    other = await Room.open(room.pk, await sync_to_async(cookie_for)(await sync_to_async(make_user)()))
    await socket.send(frame)
    answer = await socket.next()
    assert answer["type"] == "error" and answer["code"] == code, answer
    assert answer["message"]
    if isinstance(frame, dict) and isinstance(frame.get("client_id"), str) and code != "too_large":
        assert answer["client_id"] == frame["client_id"]
    assert await socket.frames() == []
    assert await other.frames() == []  # nothing broadcast
    assert await sync_to_async(RoomEvent.objects.filter(session=room).count)() == 0
    assert await sync_to_async(ChatMessage.objects.count)() == 0
    assert await sync_to_async(Question.objects.count)() == 0
    # Still usable.
    client_id = await socket.say("still here")
    acks = [f for f in await socket.frames() if f["type"] == "ack"]
    assert [a["client_id"] for a in acks] == [client_id]
    await socket.close()
    await other.close()


def test_every_room_error_code_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "live-protocol.md").read_text()
    section = doc[doc.index("## Live rooms"):]
    for code in (*CODES, "bad_json", "bad_frame", "too_large", "unknown_type", "signed_out"):
        assert f"`{code}`" in section, code


async def test_another_rooms_message_or_question_is_not_found(room, make_session, make_user, cookie_for, say,
                                                              ask, session_moderator):
    from forum.live.models import ChatMessage, Question, RoomEvent

    other_room = await sync_to_async(make_session)()
    owner = await sync_to_async(make_user)()
    foreign = await sync_to_async(say)(other_room, owner, "elsewhere")
    foreign_question = await sync_to_async(ask)(other_room, owner, "elsewhere?")
    moderator = await sync_to_async(session_moderator)(room)
    own = await Room.open(room.pk, await sync_to_async(cookie_for)(owner))
    mod = await Room.open(room.pk, await sync_to_async(cookie_for)(moderator))
    events_before = await sync_to_async(RoomEvent.objects.count)()
    for socket, frame in [(own, {"type": "edit", "id": foreign.pk, "body": "hijack"}),
                          (own, {"type": "delete", "id": foreign.pk}),
                          (own, {"type": "vote", "question_id": foreign_question.pk}),
                          (mod, {"type": "delete", "id": foreign.pk}),
                          (mod, {"type": "hide", "question_id": foreign_question.pk}),
                          (mod, {"type": "pin", "question_id": foreign_question.pk})]:
        await socket.send(frame)
        answer = await socket.next()
        assert (answer["type"], answer["code"]) == ("error", "not_found"), (frame, answer)
    assert await sync_to_async(RoomEvent.objects.count)() == events_before
    stored = await sync_to_async(ChatMessage.objects.get)(pk=foreign.pk)
    assert stored.source == "elsewhere" and stored.removed_at is None
    assert (await sync_to_async(Question.objects.get)(pk=foreign_question.pk)).state == "open"
    await own.close()
    await mod.close()


async def test_a_flood_is_throttled_then_closed_4429(room, member, cookie_for):
    socket = await Room.open(room.pk, await sync_to_async(cookie_for)(member))
    for _ in range(60):
        await socket.send(json.dumps({"type": "typing"}))
    frames = await socket.frames(quiet=set(), timeout=1)
    kinds = [f["type"] for f in frames if f["type"] not in ("presence", "typing")]
    assert kinds[0] == "rate_limited" and frames[kinds.index("rate_limited")].get("retry_after", 1) >= 1
    assert frames[-1] == {"type": "close", "code": 4429}
