"""Writes of the live app (one module per sub-domain, re-exported here): `room` holds chat,
questions and room moderation."""

from .room import (  # noqa: F401
    message_delete,
    message_edit,
    message_send,
    participant_mute,
    participant_remove,
    participant_restore,
    question_answer,
    question_approve,
    question_ask,
    question_hide,
    question_merge,
    question_pin,
    question_unvote,
    question_vote,
    read_only_set,
    session_close,
    session_open,
    slow_mode_set,
)
