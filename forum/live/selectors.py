"""Reads of a live room: the replay a reconnecting socket is sent, and the history a page shows."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404

from forum.accounts import permissions as accounts
from forum.core import conf
from forum.organisations.models import Membership

from . import events, permissions
from .models import ChatMessage, LiveSession, Question, QuestionVote, RoomEvent


def room_get_for_participant(*, session_id, user) -> LiveSession:
    """The session `user` may see, by id; `Http404` for one that does not exist or that they may
    not see (the same answer, so ids reveal nothing)."""
    if isinstance(session_id, bool) or not str(session_id).isdigit():
        raise Http404
    session = LiveSession.objects.select_related("slow_mode_set_by").filter(pk=int(session_id)).first()
    if session is None:
        raise Http404
    permissions.check_view_session(user, session)
    return session


def replay(*, session, after_seq: int | None, limit: int | None = None) -> list[dict] | None:
    """The stored frames with seq > `after_seq`, in order (one query). None when more than `limit`
    (FORUM_LIVE_REPLAY_MAX) are missing: the client must `resync` (history over HTTP, then join).
    `after_seq` None is a fresh client, whose page gave it the state: nothing to replay."""
    if after_seq is None:
        return []
    if isinstance(after_seq, bool) or not isinstance(after_seq, int) or after_seq < 0:
        raise ValueError("after_seq must be a non-negative integer or None")
    limit = conf.FORUM_LIVE_REPLAY_MAX if limit is None else limit
    payloads = list(RoomEvent.objects.filter(session_id=session.pk, seq__gt=after_seq)
                    .order_by("seq").values_list("payload", flat=True)[:limit + 1])
    if len(payloads) > limit:
        return None
    return payloads


def _authors_with_organisations(qs):
    memberships = Prefetch("author__memberships", queryset=Membership.objects.select_related("organisation"))
    return qs.select_related("author").prefetch_related(memberships)


def _prime(rows) -> None:
    for row in rows:
        if row.author is not None:
            found = list(row.author.memberships.all())
            accounts.prime_membership(row.author, found[0] if found else None)


def _placeholder(frame: dict, msg, *, user) -> dict:
    """A hidden message as the no-JS page shows it: the rule (per language) and, for its author only,
    the text."""
    own = msg.author_id is not None and msg.author_id == getattr(user, "pk", None)
    return {**frame, "html": frame["html"] if own else "", "hidden": dict(msg.hidden_reason or {}),
            "hidden_own": own}


def history(*, session, user, before_seq: int | None = None, limit: int = 100, placeholders: bool = False) -> dict:
    """What the room shows `user` now: {"seq", "messages", "questions"}, the frames of the last `limit`
    messages not removed (before `before_seq` when given, oldest first) and of the questions the user
    may see (held ones only for the room's moderators), each with `voted`. `seq` is read first, so
    a socket that joins with it is replayed whatever came after (nothing missed). The caller checks
    `check_view_session`. A fixed number of queries whatever the size of the room. Messages hidden by
    the moderators are left out, or with `placeholders` (the server-rendered page) kept in their
    place with `hidden` (the rule per language) and the text for their author only."""
    seq = LiveSession.objects.filter(pk=session.pk).values_list("last_seq", flat=True).first() or 0
    messages = ChatMessage.objects.filter(session_id=session.pk, removed_at__isnull=True, seq__lte=seq)
    if not placeholders:  # the socket's client never sees hidden ones; the page shows their place
        messages = messages.filter(hidden_at__isnull=True)
    if before_seq is not None:
        messages = messages.filter(seq__lt=before_seq)
    messages = list(_authors_with_organisations(messages.order_by("-seq"))[:limit])
    messages.reverse()
    states = [Question.State.OPEN, Question.State.ANSWERED]
    if permissions.can_moderate_session(user, session):
        states.append(Question.State.HELD)
    questions = list(_authors_with_organisations(
        Question.objects.filter(session_id=session.pk, state__in=states).order_by("created_at", "id")))
    _prime(messages)
    _prime(questions)
    voted = set(QuestionVote.objects.filter(question__session_id=session.pk, user_id=user.pk)
                .values_list("question_id", flat=True)) if getattr(user, "pk", None) else set()
    return {
        "seq": seq,
        "messages": [events.message(m) if m.hidden_at is None else _placeholder(events.message(m), m, user=user)
                     for m in messages],
        "questions": [{**events.question(q), "voted": q.pk in voted} for q in questions],
    }


def removed_since(*, session, after_seq: int, seq: int) -> list[int]:
    """The ids of the messages removed by the room's events after `after_seq` up to `seq` (one query):
    what a client that was away (and is too far behind for a replay) still shows but must drop."""
    return list(RoomEvent.objects.filter(session_id=session.pk, kind=events.MESSAGE_REMOVED, seq__gt=after_seq,
                                         seq__lte=seq).order_by("seq").values_list("ref_id", flat=True))
