"""Refusals in a live room, each with a stable code (docs/live-protocol.md, "Error codes").

A `RoomError` is a `PermissionDenied`, so pages treat it like any refusal; the socket sends its
`code` and translated `message` as an `error` frame (`rate_limited` with `retry_after`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from forum.accounts.permissions import SecondFactorRequired

NOT_FOUND = "not_found"
FORBIDDEN = "forbidden"
CLOSED = "closed"
READ_ONLY = "read_only"
MUTED = "muted"
OBSERVER = "observer"
CHAT_OFF = "chat_off"
QUESTIONS_OFF = "questions_off"
SLOW_MODE = "slow_mode"
RATE_LIMITED = "rate_limited"
EMPTY = "empty"
TOO_LONG = "too_long"
INVALID = "invalid"
ALREADY_VOTED = "already_voted"
NOT_YOURS = "not_yours"
EDIT_WINDOW = "edit_window"
UNAVAILABLE = "unavailable"
BLOCKED = "blocked"

# The message each code says when the raiser gives none.
MESSAGES = {
    NOT_FOUND: _("This message or question does not exist in this room."),
    FORBIDDEN: _("You may not do this in this room."),
    CLOSED: _("This session is not open."),
    READ_ONLY: _("The room is read-only for now."),
    MUTED: _("You are muted in this room."),
    OBSERVER: _("Observers may ask questions and vote, but not chat."),
    CHAT_OFF: _("Chat is turned off in this session: ask a question instead."),
    QUESTIONS_OFF: _("Questions are turned off in this session."),
    SLOW_MODE: _("Slow mode is on: please wait before sending another message."),
    RATE_LIMITED: _("You are sending too fast: please wait a moment."),
    EMPTY: _("Write something first."),
    TOO_LONG: _("This is too long."),
    INVALID: _("This request is not valid."),
    ALREADY_VOTED: _("You have already voted for this question."),
    NOT_YOURS: _("You can only change your own messages."),
    EDIT_WINDOW: _("This message can no longer be edited: messages can be edited only shortly after they are sent."),
    UNAVAILABLE: _("The room is temporarily unavailable, so nothing was sent. Please try again in a moment."),
    BLOCKED: _("This text contains a word or phrase that is not allowed here. Please rephrase it."),
}

CODES = tuple(MESSAGES)


class RoomError(PermissionDenied):
    """A refused room action: `code` (stable), `message` (translated), `retry_after` (seconds or None)."""

    def __init__(self, code: str, message=None, *, retry_after: int | None = None):
        if code not in MESSAGES:
            raise ValueError(f"unknown room error code {code!r}")
        self.code = code
        self.message = message if message is not None else MESSAGES[code]
        self.retry_after = retry_after
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)

    def as_frame(self, *, client_id=None) -> dict:
        """The `error` frame (or `rate_limited` frame) the socket sends for this refusal."""
        frame = {"type": "error", "code": self.code, "message": str(self.message)}
        if self.retry_after is not None:
            frame["retry_after"] = self.retry_after
        if client_id is not None:
            frame["client_id"] = str(client_id)
        return frame


class RoomSecondFactorRequired(RoomError, SecondFactorRequired):
    """A session moderator or organiser who has not enrolled a second factor yet: refused with
    `forbidden`, and pages offer to enrol (it is also an accounts `SecondFactorRequired`)."""

    def __init__(self, message=None):
        super().__init__(FORBIDDEN, message or _("Set up two-factor authentication first."))
