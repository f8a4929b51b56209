"""Room events: group names and the frames clients are sent (docs/live-protocol.md).

Each builder returns exactly the JSON frame members receive; a sequenced one is also what the room's
`RoomEvent` stores and replays. Nothing here sends anything (services do, after commit).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from forum.accounts import permissions as accounts
from forum.accounts.templatetags.accounts_tags import hue_class, initials

# Sequenced: stored as RoomEvents with the room's next number.
MESSAGE = "message"
MESSAGE_UPDATED = "message_updated"
MESSAGE_REMOVED = "message_removed"
QUESTION = "question"
QUESTION_UPDATED = "question_updated"
QUESTION_REMOVED = "question_removed"
SLOW_MODE = "slow_mode"
ROOM_STATE = "room_state"
SEQUENCED = (MESSAGE, MESSAGE_UPDATED, MESSAGE_REMOVED, QUESTION, QUESTION_UPDATED, QUESTION_REMOVED,
             SLOW_MODE, ROOM_STATE)
# Not sequenced: to the moderators only.
QUESTION_HELD = "question_held"

# Events that showed a message / question, rewritten to a tombstone when it is removed.
SHOWS_MESSAGE = (MESSAGE, MESSAGE_UPDATED)
SHOWS_QUESTION = (QUESTION, QUESTION_UPDATED)


def room_group(session_id: int) -> str:
    """Everyone in the room (each server process joins it once, through the hub)."""
    return f"live.room.{int(session_id)}"


def moderators_group(session_id: int) -> str:
    """The room's moderators only (held questions)."""
    return f"live.room.{int(session_id)}.mods"


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def author(user) -> dict:
    """Who wrote something, as the room shows them. The organisation is the membership's, cached on
    the user object (selectors that load many authors prime it: `accounts.prime_membership`)."""
    if user is None:
        return {"id": None, "name": _("Former member"), "initials": "?", "avatar": hue_class(None),
                "organisation": None, "observer": False}
    m = accounts.membership(user)
    return {"id": user.pk, "name": user.public_name, "initials": initials(user.public_name),
            "avatar": hue_class(user), "organisation": m.organisation.name if m else None,
            "observer": user.role == "observer"}


def message(msg) -> dict:
    return {
        "type": MESSAGE, "seq": msg.seq, "id": msg.pk, "client_id": str(msg.client_id),
        "author": author(msg.author), "html": msg.html,
        "sent_at": iso(msg.created_at), "edited_at": iso(msg.edited_at),
    }


def message_updated(msg, *, seq: int) -> dict:
    return {"type": MESSAGE_UPDATED, "seq": seq, "id": msg.pk, "html": msg.html, "edited_at": iso(msg.edited_at)}


def message_removed(*, seq: int, message_id: int, by: str) -> dict:
    return {"type": MESSAGE_REMOVED, "seq": seq, "id": message_id, "by": by}


def message_tombstone(*, seq: int, message_id: int) -> dict:
    """What a stored event that showed a removed message becomes (its own seq kept)."""
    return {"type": MESSAGE_REMOVED, "seq": seq, "id": message_id}


def question(q, *, seq: int | None = None) -> dict:
    return {
        "type": QUESTION, "seq": q.seq if seq is None else seq, "id": q.pk,
        "author": author(q.author), "html": q.html, "votes": q.votes, "state": q.state,
        "pinned": q.pinned, "asked_at": iso(q.created_at), "merged_into": q.merged_into_id,
    }


def question_updated(q, *, seq: int) -> dict:
    return {"type": QUESTION_UPDATED, "seq": seq, "id": q.pk, "votes": q.votes, "state": q.state,
            "pinned": q.pinned, "merged_into": q.merged_into_id}


def question_removed(*, seq: int | None, question_id: int) -> dict:
    """Also the tombstone of a stored event that showed a hidden question (its own seq kept)."""
    return {"type": QUESTION_REMOVED, "seq": seq, "id": question_id}


def question_held(q) -> dict:
    return {"type": QUESTION_HELD, "id": q.pk, "author": author(q.author), "html": q.html,
            "asked_at": iso(q.created_at)}


def slow_mode(session, *, seq: int) -> dict:
    set_by = session.slow_mode_set_by
    return {"type": SLOW_MODE, "seq": seq, "seconds": session.slow_mode_seconds,
            "reason": session.slow_mode_reason,
            "set_by": set_by.public_name if set_by is not None and session.slow_mode_seconds else None}


def room_state(session, *, seq: int) -> dict:
    return {"type": ROOM_STATE, "seq": seq, "state": session.state, "read_only": session.read_only,
            "mode": session.mode, "questions_held": session.questions_held}


def ack(*, client_id, obj) -> dict:
    """The answer to the sender of a `send` or `ask` once it is stored (or was already): the stored
    message or question's id and seq; a question held for approval has seq null and `held` true."""
    frame = {"type": "ack", "client_id": str(client_id), "id": obj.pk, "seq": obj.seq}
    if getattr(obj, "state", None) == "held":
        frame["held"] = True
    return frame
