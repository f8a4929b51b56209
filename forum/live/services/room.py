"""Writes in a live room: chat, questions, room moderation.

Every write checks the actor first, then, in one transaction, locks the session row, takes the
room's next sequence number, stores the change and a `RoomEvent` whose payload is exactly the frame
members are sent, and broadcasts that frame after commit (`forum.core.realtime`). So numbers are
per room, monotonic and without gaps, and nothing is sent that was rolled back.

Bad input (wrong types, empty, too long, another room's ids) raises `RoomError` and changes
nothing. A database that cannot be reached is `RoomError("unavailable")`: nothing acknowledged.
Moderation writes are audited (`forum.audit.services.record`) with who, what and why.
"""

from __future__ import annotations

import functools
import math
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.validators import ProhibitNullCharactersValidator
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forum.accounts import permissions as accounts_permissions
from forum.accounts import services as accounts_services
from forum.accounts.models import Restriction
from forum.audit import services as audit
from forum.core import availability, conf, ratelimit, realtime, richtext, screening

from .. import errors, events, permissions, signals
from ..errors import RoomError
from ..models import ChatMessage, LiveSession, Question, QuestionVote, RoomEvent

User = get_user_model()

SLOW_MODE_MAX_SECONDS = 3600
MUTE_MAX_MINUTES = 60 * 24 * 30
REASON_MAX_CHARS = 200


# --- Plumbing --------------------------------------------------------------------------------------

def room_write(fn):
    """Run a room write in one transaction; a database that cannot be reached is `unavailable`.
    The actor's sanctions are read afresh for every write: a socket keeps its user object for long,
    and a mute or a removal must hold from the next action on, even before the socket hears of it.
    Its other facts (appointments, membership, observer grants) stay cached on the user object: an
    HTTP request loads the user afresh, and a socket loads it again on `accounts.access.changed`,
    which every change of those sends (`forum.live.consumers`)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs.get("actor") is not None:
            accounts_permissions.forget_sanctions(kwargs["actor"])
        try:
            with transaction.atomic():
                return fn(*args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            raise RoomError(errors.UNAVAILABLE) from exc
    return wrapper


def _lock(session) -> LiveSession:
    """The session row, locked until the transaction ends (writers of one room queue here)."""
    return LiveSession.objects.select_for_update().get(pk=session.pk)


def _emit(locked: LiveSession, *, kind: str, ref_id: int, build) -> dict:
    """Store the room's next event (`build(seq)` makes its frame) and broadcast it after commit."""
    seq = locked.last_seq + 1
    payload = build(seq)
    RoomEvent.objects.create(session=locked, seq=seq, kind=kind, ref_id=ref_id, payload=payload)
    LiveSession.objects.filter(pk=locked.pk).update(last_seq=seq)
    locked.last_seq = seq
    realtime.broadcast_on_commit(events.room_group(locked.pk), payload)
    return payload


def _client_id(value) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        raise RoomError(errors.INVALID, _("client_id must be a UUID."))
    try:
        return uuid.UUID(value)
    except ValueError:
        raise RoomError(errors.INVALID, _("client_id must be a UUID.")) from None


def _id(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise RoomError(errors.INVALID, _("An id must be a positive whole number."))
    return value


def _no_nul(value: str) -> None:
    # PostgreSQL stores no NUL character (text or jsonb); Django's forms refuse it with this message.
    if "\x00" in value:
        raise RoomError(errors.INVALID, ProhibitNullCharactersValidator.message)
    try:  # a JSON frame can carry a lone surrogate ("\ud800"), which is no UTF-8 text
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise RoomError(errors.INVALID) from None


def _text(value, *, limit: int) -> str:
    if not isinstance(value, str):
        raise RoomError(errors.INVALID, _("The text must be a string."))
    _no_nul(value)
    text = value.strip()
    if not text:
        raise RoomError(errors.EMPTY)
    if len(text) > limit:
        raise RoomError(errors.TOO_LONG, _("This is too long: at most %(limit)d characters.") % {"limit": limit})
    return text


def _screen(text: str) -> str:
    """The watched words' verdict on `text` (`forum.core.screening`); a refused text changes nothing."""
    verdict = screening.screen(text)
    if verdict == screening.BLOCK:
        raise RoomError(errors.BLOCKED)
    return verdict


def _reason(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RoomError(errors.INVALID, _("The reason must be a string."))
    _no_nul(value)
    value = value.strip()
    if len(value) > REASON_MAX_CHARS:
        raise RoomError(errors.TOO_LONG, _("This is too long: at most %(limit)d characters.")
                        % {"limit": REASON_MAX_CHARS})
    return value


def _render(source: str) -> str:
    people = User.objects.filter(is_active=True, deleted_at__isnull=True)
    return richtext.render_chat(source, mentions=richtext.mention_map(source, people))


def _consume(rate: str, actor) -> None:
    try:
        usage = ratelimit.consume(rate, key=actor.pk)
    except availability.TemporarilyUnavailable as exc:
        raise RoomError(errors.UNAVAILABLE) from exc
    if not usage:
        raise RoomError(errors.RATE_LIMITED, retry_after=usage.window)


def _message(session, message_id) -> ChatMessage:
    """A message of this room (another room's id is `not_found`, like one that never existed)."""
    try:
        return ChatMessage.objects.select_related("author", "session").get(pk=_id(message_id), session_id=session.pk)
    except ChatMessage.DoesNotExist:
        raise RoomError(errors.NOT_FOUND) from None


def _question(session, question_id, *, lock: bool = False) -> Question:
    qs = Question.objects.select_related("author", "session")
    if lock:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=_id(question_id), session_id=session.pk)
    except Question.DoesNotExist:
        raise RoomError(errors.NOT_FOUND) from None


def _tombstone(locked, *, kinds, ref_id: int, make) -> None:
    """Rewrite the stored events that showed a removed message/question, so replay never sends it."""
    for event in RoomEvent.objects.filter(session=locked, kind__in=kinds, ref_id=ref_id).only("pk", "seq"):
        RoomEvent.objects.filter(pk=event.pk).update(payload=make(event.seq))


# --- Chat ------------------------------------------------------------------------------------------

@room_write
def message_send(*, actor, session, client_id, body) -> tuple[ChatMessage, bool]:
    """Send a chat message as `actor`. A `client_id` the author already used in this room returns the
    stored message (created False) and changes nothing: a repeated send is harmless.

    The hot path of a busy room, so every check runs once, under the lock (a socket's user passed
    the view check at connect; the lock is the room's order anyway): lock, the actor's sanctions,
    the `client_id` look-up, the message, the event, `last_seq` (six queries with the author's
    appointments and membership cached, as on a socket)."""
    client_id = _client_id(client_id)
    locked = _lock(session)
    permissions.check_view_session(actor, locked)
    existing = ChatMessage.objects.filter(session=locked, author=actor, client_id=client_id).first()
    if existing is not None:  # a repeated send (a reconnecting client), or the same send racing itself
        return existing, False
    permissions.check_send(actor, locked)
    text = _text(body, limit=conf.FORUM_LIVE_MESSAGE_MAX_CHARS)
    verdict = _screen(text)
    if locked.slow_mode_seconds and not permissions.can_moderate_session(actor, locked):
        last = (ChatMessage.objects.filter(session=locked, author=actor).order_by("-seq")
                .values_list("created_at", flat=True).first())
        if last is not None:
            wait = locked.slow_mode_seconds - (timezone.now() - last).total_seconds()
            if wait > 0:
                raise RoomError(errors.SLOW_MODE, retry_after=max(1, math.ceil(wait)))
    _consume("live_message", actor)
    exempt = permissions.can_moderate_session(actor, locked)
    if verdict == screening.HOLD and not exempt:
        # A chat message cannot wait for approval (the conversation moves on): it is refused.
        raise RoomError(errors.BLOCKED, _("This message would need a moderator's approval, which chat "
                                          "messages cannot wait for. Please rephrase it, or ask it as a question."))
    msg = ChatMessage(session=locked, seq=locked.last_seq + 1, author=actor, client_id=client_id,
                      source=text, html=_render(text))
    msg.save()
    _emit(locked, kind=events.MESSAGE, ref_id=msg.pk, build=lambda seq: events.message(msg))
    if verdict == screening.FLAG and not exempt:
        signals.for_review.send(sender=ChatMessage, obj=msg, reasons=[signals.WATCHED_WORD], held=False)
    return msg, True


@room_write
def message_edit(*, actor, session, message_id, body) -> ChatMessage:
    """Change one's own message while the session is open; the room is sent `message_updated`."""
    permissions.check_view_session(actor, session)
    msg = _message(session, message_id)
    permissions.check_edit_message(actor, msg)
    text = _text(body, limit=conf.FORUM_LIVE_MESSAGE_MAX_CHARS)
    _screen(text)
    locked = _lock(session)
    msg = _message(locked, msg.pk)
    permissions.check_edit_message(actor, msg)
    if text == msg.source:
        return msg
    msg.source, msg.html, msg.edited_at = text, _render(text), timezone.now()
    msg.save(update_fields=["source", "html", "edited_at"])
    # Replay shows the text as it is now: the stored frames that showed an earlier version take the new one.
    for event in RoomEvent.objects.filter(session=locked, kind__in=events.SHOWS_MESSAGE, ref_id=msg.pk):
        event.payload = {**event.payload, "html": msg.html, "edited_at": events.iso(msg.edited_at)}
        event.save(update_fields=["payload"])
    _emit(locked, kind=events.MESSAGE_UPDATED, ref_id=msg.pk, build=lambda seq: events.message_updated(msg, seq=seq))
    return msg


@room_write
def message_delete(*, actor, session, message_id, reason: str = "") -> ChatMessage:
    """Remove a message (its author, or a moderator of the session). The stored events that showed
    it become tombstones in the same transaction; a moderator's removal is audited."""
    permissions.check_view_session(actor, session)
    reason = _reason(reason)
    msg = _message(session, message_id)
    permissions.check_delete_message(actor, msg)
    locked = _lock(session)
    msg = _message(locked, msg.pk)
    permissions.check_delete_message(actor, msg)
    by = "author" if msg.author_id == actor.pk else "moderator"
    msg.removed_at, msg.removed_by, msg.removed_reason = timezone.now(), actor, reason
    msg.save(update_fields=["removed_at", "removed_by", "removed_reason"])
    _tombstone(locked, kinds=events.SHOWS_MESSAGE, ref_id=msg.pk,
               make=lambda seq: events.message_tombstone(seq=seq, message_id=msg.pk))
    _emit(locked, kind=events.MESSAGE_REMOVED, ref_id=msg.pk,
          build=lambda seq: events.message_removed(seq=seq, message_id=msg.pk, by=by))
    if by == "moderator":
        audit.record(actor=actor, verb="live.message.remove", target=msg, reason=reason,
                     data={"session": locked.pk, "author": msg.author_id})
    return msg


# --- Moderation (forum.moderation's review queue acts through these) ---------------------------------

PENDING_REVIEW = {"pending": True}


def _message_gone(locked, msg, *, by: str) -> None:
    """The room stops showing `msg`: the stored events that showed it become tombstones and every
    open screen is sent `message_removed` (so replay and history never show it again)."""
    _tombstone(locked, kinds=events.SHOWS_MESSAGE, ref_id=msg.pk,
               make=lambda seq: events.message_tombstone(seq=seq, message_id=msg.pk))
    _emit(locked, kind=events.MESSAGE_REMOVED, ref_id=msg.pk,
          build=lambda seq: events.message_removed(seq=seq, message_id=msg.pk, by=by))


def _message_back(locked, msg) -> None:
    """The room shows `msg` again: a new `message` event (the next number) carries it."""
    _emit(locked, kind=events.MESSAGE, ref_id=msg.pk, build=lambda seq: {**events.message(msg), "seq": seq})


@room_write
def message_hide(*, actor, session, message_id, reason: str, reason_titles: dict | None = None,
                 audit_data: dict | None = None) -> ChatMessage:
    """A moderator of the room hides a message under a rule: it leaves every open screen at once
    (`message_removed`, tombstones for replay); the page shows "hidden by the moderators: <rule>"
    (`reason_titles`, per language) in its place and its author still sees the text. Audited.
    Hiding a message held pending review only puts the rule in place of "pending"."""
    reason = _reason(reason)
    if not reason:
        raise RoomError(errors.EMPTY, _("Say why: the reason is recorded."))
    permissions.check_moderate(actor, session)
    _message(session, message_id)
    locked = _lock(session)
    permissions.check_moderate(actor, locked)
    msg = _message(locked, message_id)
    if msg.removed_at is not None:
        raise RoomError(errors.NOT_FOUND)
    was_shown = msg.hidden_at is None
    msg.hidden_at = msg.hidden_at or timezone.now()
    msg.hidden_reason = dict(reason_titles or {})
    msg.save(update_fields=["hidden_at", "hidden_reason"])
    if was_shown:
        _message_gone(locked, msg, by="moderator")
    audit.record(actor=actor, verb="live.message.hide", target=msg, reason=reason,
                 data={"session": locked.pk, "author": msg.author_id, **(audit_data or {})})
    return msg


@room_write
def message_hold_for_review(*, message, reason: str, audit_data: dict | None = None) -> ChatMessage:
    """Hide a message pending review on its flags' behalf (no moderator acts; forum.moderation
    decided it): it leaves every open screen at once. Audited with no actor. A message already
    hidden or removed is left as it is."""
    locked = _lock(message.session)
    msg = _message(locked, message.pk)
    if msg.hidden_at is not None or msg.removed_at is not None:
        return msg
    msg.hidden_at, msg.hidden_reason = timezone.now(), dict(PENDING_REVIEW)
    msg.save(update_fields=["hidden_at", "hidden_reason"])
    _message_gone(locked, msg, by="moderator")
    audit.record(actor=None, verb="live.message.hold", target=msg, reason=reason,
                 data={"session": locked.pk, "author": msg.author_id, **(audit_data or {})})
    return msg


@room_write
def message_restore(*, actor, session, message_id, reason: str = "", audit_data: dict | None = None) -> ChatMessage:
    """A moderator of the room shows a hidden message again, or brings back one a moderator removed
    (not one its author deleted): the room is sent it as a new `message` event. Audited."""
    reason = _reason(reason)
    permissions.check_moderate(actor, session)
    _message(session, message_id)
    locked = _lock(session)
    permissions.check_moderate(actor, locked)
    msg = _message(locked, message_id)
    removed_by_moderator = msg.removed_at is not None and msg.removed_by_id != msg.author_id
    if msg.hidden_at is None and not removed_by_moderator:
        raise RoomError(errors.INVALID, _("This message is not hidden: there is nothing to restore."))
    if msg.removed_at is not None and not removed_by_moderator:
        raise RoomError(errors.NOT_FOUND)
    msg.hidden_at, msg.hidden_reason = None, {}
    msg.removed_at, msg.removed_by, msg.removed_reason = None, None, ""
    msg.save(update_fields=["hidden_at", "hidden_reason", "removed_at", "removed_by", "removed_reason"])
    _message_back(locked, msg)
    audit.record(actor=actor, verb="live.message.restore", target=msg, reason=reason,
                 data={"session": locked.pk, "author": msg.author_id, **(audit_data or {})})
    return msg


# --- Questions -------------------------------------------------------------------------------------

@room_write
def question_ask(*, actor, session, client_id, body) -> tuple[Question, bool]:
    """Ask a question as `actor` (observers too). When the session holds questions for approval it
    gets no number: only the moderators are sent `question_held` (and the asker an ack with seq null).
    A repeated `client_id` returns the stored question (created False)."""
    client_id = _client_id(client_id)
    permissions.check_view_session(actor, session)
    existing = Question.objects.filter(session_id=session.pk, author=actor, client_id=client_id).first()
    if existing is not None:
        return existing, False
    permissions.check_ask(actor, session)
    text = _text(body, limit=conf.FORUM_LIVE_QUESTION_MAX_CHARS)
    verdict = _screen(text)
    locked = _lock(session)
    existing = Question.objects.filter(session=locked, author=actor, client_id=client_id).first()
    if existing is not None:
        return existing, False
    permissions.check_ask(actor, locked)
    _consume("live_question", actor)
    exempt = permissions.can_moderate_session(actor, locked)
    reasons = [] if exempt else (
        ([signals.PREMODERATED] if locked.questions_held else [])
        + ([signals.WATCHED_WORD] if verdict in (screening.HOLD, screening.FLAG) else []))
    held = not exempt and (locked.questions_held or verdict == screening.HOLD)
    question = Question(session=locked, author=actor, client_id=client_id, source=text, html=_render(text),
                        state=Question.State.HELD if held else Question.State.OPEN)
    if held:
        question.save()
        realtime.broadcast_on_commit(events.moderators_group(locked.pk), events.question_held(question))
        signals.for_review.send(sender=Question, obj=question, reasons=reasons, held=True)
        return question, True
    question.seq = locked.last_seq + 1
    question.save()
    _emit(locked, kind=events.QUESTION, ref_id=question.pk, build=lambda seq: events.question(question, seq=seq))
    if reasons:
        signals.for_review.send(sender=Question, obj=question, reasons=reasons, held=False)
    return question, True


def _count_votes(question) -> None:
    question.votes = QuestionVote.objects.filter(question=question).count()
    Question.objects.filter(pk=question.pk).update(votes=question.votes)


@room_write
def question_vote(*, actor, session, question_id) -> Question:
    """One upvote per person; a second is `already_voted`."""
    permissions.check_view_session(actor, session)
    question = _question(session, question_id)
    permissions.check_vote(actor, question)
    locked = _lock(session)
    question = _question(locked, question.pk)
    permissions.check_vote(actor, question)
    try:
        with transaction.atomic():
            QuestionVote.objects.create(question=question, user=actor)
    except IntegrityError:
        raise RoomError(errors.ALREADY_VOTED) from None
    _count_votes(question)
    _emit(locked, kind=events.QUESTION_UPDATED, ref_id=question.pk,
          build=lambda seq: events.question_updated(question, seq=seq))
    return question


@room_write
def question_unvote(*, actor, session, question_id) -> Question:
    """Take back one's upvote."""
    permissions.check_view_session(actor, session)
    question = _question(session, question_id)
    permissions.check_vote(actor, question)
    locked = _lock(session)
    question = _question(locked, question.pk)
    permissions.check_vote(actor, question)
    deleted, _rows = QuestionVote.objects.filter(question=question, user=actor).delete()
    if not deleted:
        raise RoomError(errors.INVALID, _("You have not voted for this question."))
    _count_votes(question)
    _emit(locked, kind=events.QUESTION_UPDATED, ref_id=question.pk,
          build=lambda seq: events.question_updated(question, seq=seq))
    return question


def _moderate_question(actor, session, question_id, *, states=None) -> tuple[LiveSession, Question]:
    permissions.check_moderate(actor, session)
    _question(session, question_id)  # not_found before locking the room
    locked = _lock(session)
    permissions.check_moderate(actor, locked)
    question = _question(locked, question_id)
    if states is not None and question.state not in states:
        raise RoomError(errors.INVALID, _("This question cannot be changed that way now."))
    return locked, question


def _updated(locked, question) -> None:
    _emit(locked, kind=events.QUESTION_UPDATED, ref_id=question.pk,
          build=lambda seq: events.question_updated(question, seq=seq))


@room_write
def question_approve(*, actor, session, question_id) -> Question:
    """Show a held question to the room: it gets its number and a `question` event."""
    locked, question = _moderate_question(actor, session, question_id, states=(Question.State.HELD,))
    question.state, question.decided_by, question.seq = Question.State.OPEN, actor, locked.last_seq + 1
    question.save(update_fields=["state", "decided_by", "seq"])
    _emit(locked, kind=events.QUESTION, ref_id=question.pk, build=lambda seq: events.question(question, seq=seq))
    audit.record(actor=actor, verb="live.question.approve", target=question, data={"session": locked.pk})
    signals.decided.send(sender=Question, obj=question, outcome="approved", actor=actor)
    return question


@room_write
def question_answer(*, actor, session, question_id, answered: bool = True) -> Question:
    """Mark a question answered (or open again)."""
    locked, question = _moderate_question(actor, session, question_id,
                                          states=(Question.State.OPEN, Question.State.ANSWERED))
    if not isinstance(answered, bool):
        raise RoomError(errors.INVALID)
    question.state = Question.State.ANSWERED if answered else Question.State.OPEN
    question.answered_at = timezone.now() if answered else None
    question.decided_by = actor
    question.save(update_fields=["state", "answered_at", "decided_by"])
    _updated(locked, question)
    audit.record(actor=actor, verb="live.question.answer" if answered else "live.question.reopen",
                 target=question, data={"session": locked.pk})
    return question


@room_write
def question_pin(*, actor, session, question_id, pinned: bool = True) -> Question:
    """Pin a question (the presenter view shows it), or unpin it."""
    if not isinstance(pinned, bool):
        raise RoomError(errors.INVALID)
    locked, question = _moderate_question(actor, session, question_id,
                                          states=(Question.State.OPEN, Question.State.ANSWERED))
    question.pinned = pinned
    question.save(update_fields=["pinned"])
    _updated(locked, question)
    audit.record(actor=actor, verb="live.question.pin" if pinned else "live.question.unpin",
                 target=question, data={"session": locked.pk})
    return question


@room_write
def question_hide(*, actor, session, question_id, reason: str = "", reason_titles: dict | None = None,
                  audit_data: dict | None = None) -> Question:
    """Hide a question: the stored events that showed it become tombstones, the room is sent
    `question_removed` (a held question, never shown, only leaves the moderators' queue).
    `reason_titles` (the rule per language, from forum.moderation) is what the page shows in its
    place; hiding a question held pending review only puts the rule there."""
    reason = _reason(reason)
    locked, question = _moderate_question(
        actor, session, question_id,
        states=(Question.State.HELD, Question.State.OPEN, Question.State.ANSWERED, Question.State.HIDDEN))
    if question.state == Question.State.HIDDEN:
        if reason_titles is None:
            raise RoomError(errors.INVALID, _("This question cannot be changed that way now."))
        question.hidden_reason, question.decided_by = dict(reason_titles), actor
        question.save(update_fields=["hidden_reason", "decided_by"])
    else:
        _question_gone(locked, question, reason_titles=reason_titles or {}, actor=actor)
    audit.record(actor=actor, verb="live.question.hide", target=question, reason=reason,
                 data={"session": locked.pk, "author": question.author_id, **(audit_data or {})})
    signals.decided.send(sender=Question, obj=question, outcome="hidden", actor=actor)
    return question


def _question_gone(locked, question, *, reason_titles: dict, actor) -> None:
    was_shown = question.state != Question.State.HELD
    question.state_before_hidden = question.state
    question.state, question.pinned, question.decided_by = Question.State.HIDDEN, False, actor
    question.hidden_reason = dict(reason_titles)
    question.save(update_fields=["state", "pinned", "decided_by", "hidden_reason", "state_before_hidden"])
    if was_shown:
        _tombstone(locked, kinds=events.SHOWS_QUESTION, ref_id=question.pk,
                   make=lambda seq: events.question_removed(seq=seq, question_id=question.pk))
        _emit(locked, kind=events.QUESTION_REMOVED, ref_id=question.pk,
              build=lambda seq: events.question_removed(seq=seq, question_id=question.pk))
    else:
        realtime.broadcast_on_commit(events.moderators_group(locked.pk),
                                     events.question_removed(seq=None, question_id=question.pk))


@room_write
def question_hold_for_review(*, question, reason: str, audit_data: dict | None = None) -> Question:
    """Hide a question pending review on its flags' behalf (no moderator acts): it leaves every
    open screen at once. Audited with no actor. A hidden question is left as it is."""
    locked = _lock(question.session)
    question = _question(locked, question.pk)
    if question.state == Question.State.HIDDEN:
        return question
    _question_gone(locked, question, reason_titles=dict(PENDING_REVIEW), actor=None)
    audit.record(actor=None, verb="live.question.hold", target=question, reason=reason,
                 data={"session": locked.pk, "author": question.author_id, **(audit_data or {})})
    return question


@room_write
def question_restore(*, actor, session, question_id, reason: str = "", audit_data: dict | None = None) -> Question:
    """A moderator of the room shows a hidden question again, in the state it had: the room is
    sent it as a new `question` event (a question hidden while held goes back to the held ones)."""
    reason = _reason(reason)
    locked, question = _moderate_question(actor, session, question_id, states=(Question.State.HIDDEN,))
    before = question.state_before_hidden or Question.State.OPEN
    question.state, question.hidden_reason, question.state_before_hidden = before, {}, ""
    question.decided_by = actor
    if before == Question.State.HELD:
        question.save(update_fields=["state", "hidden_reason", "state_before_hidden", "decided_by"])
        realtime.broadcast_on_commit(events.moderators_group(locked.pk), events.question_held(question))
    else:
        question.seq = question.seq or locked.last_seq + 1
        question.save(update_fields=["state", "hidden_reason", "state_before_hidden", "decided_by", "seq"])
        _emit(locked, kind=events.QUESTION, ref_id=question.pk, build=lambda seq: events.question(question, seq=seq))
    audit.record(actor=actor, verb="live.question.restore", target=question, reason=reason,
                 data={"session": locked.pk, "author": question.author_id, **(audit_data or {})})
    return question


@room_write
def question_merge(*, actor, session, question_id, into_id) -> Question:
    """Merge a duplicate into another question of the room: its voters' votes move to the other one
    (once each), and both are updated in the room."""
    visible = (Question.State.OPEN, Question.State.ANSWERED)
    into_id = _id(into_id)
    locked, question = _moderate_question(actor, session, question_id, states=visible)
    if into_id == question.pk:
        raise RoomError(errors.INVALID, _("A question cannot be merged into itself."))
    into = _question(locked, into_id)
    if into.state not in visible or into.merged_into_id is not None:
        raise RoomError(errors.INVALID, _("This question cannot be changed that way now."))
    voters = set(QuestionVote.objects.filter(question=question).values_list("user_id", flat=True))
    voters.discard(None)
    if question.author_id:
        voters.add(question.author_id)  # the duplicate's author asked it too
    already = set(QuestionVote.objects.filter(question=into).values_list("user_id", flat=True))
    QuestionVote.objects.bulk_create([QuestionVote(question=into, user_id=u) for u in voters - already
                                      if u != into.author_id])
    question.merged_into, question.pinned, question.decided_by = into, False, actor
    question.save(update_fields=["merged_into", "pinned", "decided_by"])
    _count_votes(into)
    _updated(locked, question)
    _updated(locked, into)
    audit.record(actor=actor, verb="live.question.merge", target=question, data={"session": locked.pk,
                                                                                 "into": into.pk})
    return question


# --- The room --------------------------------------------------------------------------------------

@room_write
def slow_mode_set(*, actor, session, seconds, reason: str = "") -> LiveSession:
    """Set slow mode (seconds between one person's messages; 0 turns it off); shown as a banner."""
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= SLOW_MODE_MAX_SECONDS:
        raise RoomError(errors.INVALID, _("Slow mode is a number of seconds from 0 to %(max)d.")
                        % {"max": SLOW_MODE_MAX_SECONDS})
    reason = _reason(reason)
    permissions.check_moderate(actor, session)
    locked = _lock(session)
    permissions.check_moderate(actor, locked)
    locked.slow_mode_seconds = seconds
    locked.slow_mode_reason = reason if seconds else ""
    locked.slow_mode_set_by = actor if seconds else None
    locked.save(update_fields=["slow_mode_seconds", "slow_mode_reason", "slow_mode_set_by", "updated_at"])
    _emit(locked, kind=events.SLOW_MODE, ref_id=0, build=lambda seq: events.slow_mode(locked, seq=seq))
    audit.record(actor=actor, verb="live.slow_mode.set", target=locked, reason=reason,
                 data={"seconds": seconds})
    return locked


def _state_change(locked, actor, *, verb: str, reason: str = "", data=None) -> None:
    locked.save(update_fields=["state", "read_only", "opened_at", "closed_at", "updated_at"])
    _emit(locked, kind=events.ROOM_STATE, ref_id=0, build=lambda seq: events.room_state(locked, seq=seq))
    audit.record(actor=actor, verb=verb, target=locked, reason=reason, data=data or {})


@room_write
def read_only_set(*, actor, session, read_only: bool, reason: str = "") -> LiveSession:
    """Make the room read-only for everyone but its moderators, or open it to speech again."""
    if not isinstance(read_only, bool):
        raise RoomError(errors.INVALID)
    reason = _reason(reason)
    permissions.check_moderate(actor, session)
    locked = _lock(session)
    permissions.check_moderate(actor, locked)
    if locked.read_only == read_only:
        return locked
    locked.read_only = read_only
    _state_change(locked, actor, verb="live.session.read_only", reason=reason, data={"read_only": read_only})
    return locked


@room_write
def session_open(*, actor, session) -> LiveSession:
    """Open the room (scheduled → open). Opening an open room changes nothing; a closed one stays closed."""
    permissions.check_moderate(actor, session)
    locked = _lock(session)
    permissions.check_moderate(actor, locked)
    if locked.state == LiveSession.State.OPEN:
        return locked
    if locked.state == LiveSession.State.CLOSED:
        raise RoomError(errors.CLOSED, _("This session is closed and cannot be opened again."))
    locked.state, locked.opened_at = LiveSession.State.OPEN, timezone.now()
    _state_change(locked, actor, verb="live.session.open")
    return locked


@room_write
def session_close(*, actor, session) -> LiveSession:
    """Close the room: nobody speaks any more, observers' access to it ends."""
    permissions.check_moderate(actor, session)
    locked = _lock(session)
    permissions.check_moderate(actor, locked)
    if locked.state == LiveSession.State.CLOSED:
        return locked
    locked.state, locked.closed_at = LiveSession.State.CLOSED, timezone.now()
    _state_change(locked, actor, verb="live.session.close")
    return locked


def _restrict(*, actor, session, user, kind: str, reason, minutes) -> Restriction:
    permissions.check_moderate(actor, session)
    if not isinstance(user, User):
        raise RoomError(errors.INVALID)
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int)
                                or not 1 <= minutes <= MUTE_MAX_MINUTES):
        raise RoomError(errors.INVALID, _("The duration is a number of minutes from 1 to %(max)d.")
                        % {"max": MUTE_MAX_MINUTES})
    reason = _reason(reason)
    if not reason:
        raise RoomError(errors.EMPTY, _("Say why: the reason is recorded."))
    if user.pk == actor.pk or permissions.holds_session_role(user, session):
        raise RoomError(errors.FORBIDDEN, _("Moderators of this session cannot be muted or removed here."))
    ends_at = timezone.now() + timedelta(minutes=minutes) if minutes else None
    return accounts_services.restriction_create(
        actor=actor, user=user, kind=kind, reason=reason, scope=Restriction.Scope.SESSION,
        object_id=session.pk, ends_at=ends_at, audit_data={"live_session": session.pk})


@room_write
def participant_mute(*, actor, session, user, minutes, reason) -> Restriction:
    """Mute `user` in this room for `minutes` (they still read); their sockets re-check at once."""
    return _restrict(actor=actor, session=session, user=user, kind=Restriction.Kind.MUTE, reason=reason,
                     minutes=minutes)


@room_write
def participant_restore(*, actor, session, user, reason: str = "") -> int:
    """Lift `user`'s mute and removal in this room (site-wide sanctions stay); returns how many."""
    permissions.check_moderate(actor, session)
    if not isinstance(user, User):
        raise RoomError(errors.INVALID)
    reason = _reason(reason)
    now = timezone.now()
    lifted = 0
    for restriction in Restriction.objects.filter(user=user, scope=Restriction.Scope.SESSION, object_id=session.pk,
                                                  lifted_at__isnull=True).exclude(ends_at__lte=now):
        accounts_services.restriction_lift(actor=actor, restriction=restriction, reason=reason)
        lifted += 1
    return lifted


@room_write
def participant_remove(*, actor, session, user, reason, minutes=None) -> Restriction:
    """Remove `user` from this room (for `minutes`, or until lifted): they no longer see it."""
    return _restrict(actor=actor, session=session, user=user, kind=Restriction.Kind.SUSPENSION, reason=reason,
                     minutes=minutes)
