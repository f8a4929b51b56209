"""Group names and frames of room events."""

from __future__ import annotations

import json

import pytest

from forum.accounts.templatetags.accounts_tags import initials
from forum.live import events


def test_groups_are_built_from_ids_only():
    assert events.room_group(7) == "live.room.7"
    assert events.moderators_group(7) == "live.room.7.mods"
    with pytest.raises(ValueError):
        events.room_group("7;other")


@pytest.mark.django_db
def test_frames_are_plain_json(make_session, member, say, ask, session_moderator):
    session = make_session()
    msg, q = say(session, member), ask(session, member)
    moderator = session_moderator(session)
    session.slow_mode_seconds, session.slow_mode_reason, session.slow_mode_set_by = 5, "Calm", moderator
    frames = [events.message(msg), events.message_updated(msg, seq=3), events.question(q),
              events.question_updated(q, seq=4), events.question_held(q), events.slow_mode(session, seq=5),
              events.room_state(session, seq=6), events.message_removed(seq=7, message_id=msg.pk, by="author")]
    for frame in frames:
        assert json.loads(json.dumps(frame)) == frame and frame["type"]
    assert {f["type"] for f in frames if "seq" in f} <= set(events.SEQUENCED)
    assert "seq" not in events.question_held(q)
    assert events.author(None)["id"] is None
    assert events.slow_mode(session, seq=5)["set_by"] == moderator.public_name


@pytest.mark.django_db
def test_an_observer_is_marked_and_has_no_organisation(make_user):
    observer = make_user(role="observer")
    assert events.author(observer) == {"id": observer.pk, "name": observer.public_name, "organisation": None,
                                       "observer": True, "initials": initials(observer.public_name),
                                       "avatar": f"avatar-hue-{observer.pk % 12}"}


@pytest.mark.django_db
def test_an_author_carries_the_avatar_initials_and_colour_a_former_member_a_neutral_one(make_user):
    user = make_user(display_name="Karim Haddad")
    assert (events.author(user)["initials"], events.author(user)["avatar"]) == ("KH", f"avatar-hue-{user.pk % 12}")
    assert (events.author(None)["initials"], events.author(None)["avatar"]) == ("?", "avatar-hue-none")


@pytest.mark.django_db
def test_ack_says_id_and_seq_and_whether_held(make_session, member, say, ask):
    msg = say(make_session(), member)
    assert events.ack(client_id=msg.client_id, obj=msg) == {"type": "ack", "client_id": str(msg.client_id),
                                                            "id": msg.pk, "seq": msg.seq}
    held = ask(make_session(questions_held=True), member)
    assert events.ack(client_id=held.client_id, obj=held) == {"type": "ack", "client_id": str(held.client_id),
                                                              "id": held.pk, "seq": None, "held": True}
