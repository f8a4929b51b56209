"""The content the review queue knows, by kind: how to find it, who may flag it, where it is, and how
to hide, restore or delete it — always through the owning app's own checks and services.

Posts (forum.discussions), chat messages and questions (forum.live): `load` (Http404 for an unknown
id), `check_flag` (the owning app's "may report" rule), `place` (a category or a live session), and
`hold` / `hide` / `restore` / `remove` / `reinstate` calling the owning app's services (the live ones
also make a hidden message disappear from every open room screen, through the room's event log).
A live room's refusal (`RoomError`, a PermissionDenied with a stable code) is raised as it is.

Pre-moderation: `is_awaiting` / `approve` (posts, questions and positions) — content held before it was ever
shown (a category or a new member's first posts, a session that holds questions, a watched word)
waits in the queue; approving publishes it through the owning app's own service.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from forum.consultations import permissions as consultation_permissions
from forum.consultations import services as consultations
from forum.consultations.models import Position
from forum.core import translated
from forum.discussions import permissions as discussions_permissions
from forum.discussions import services as discussions
from forum.discussions.models import Post
from forum.live import permissions as live_permissions
from forum.live import services as live
from forum.live.models import ChatMessage, Question


@dataclass(frozen=True)
class Place:
    category_id: int | None = None
    session_id: int | None = None


class PostItems:
    kind = "post"

    @staticmethod
    def load(object_id) -> Post:
        try:
            pk = int(object_id)
        except (TypeError, ValueError):
            raise Http404 from None
        post = (Post.objects.select_related("thread", "thread__category", "thread__category__parent", "author")
                .filter(pk=pk).first())
        if post is None:
            raise Http404
        return post

    @staticmethod
    def check_flag(user, post: Post) -> None:
        discussions_permissions.check_report_post(user, post)

    @staticmethod
    def check_view(user, post: Post) -> None:
        discussions_permissions.check_view_post(user, post)

    @staticmethod
    def check_moderate(user, post: Post) -> None:
        discussions_permissions.check_hide_post(user, post)

    @staticmethod
    def place(post: Post) -> Place:
        return Place(category_id=post.thread.category_id)

    @staticmethod
    def author_id(post: Post) -> int:
        return post.author_id

    @staticmethod
    def is_hidden(post: Post) -> bool:
        return post.hidden_at is not None

    @staticmethod
    def is_removed(post: Post) -> bool:
        return post.deleted_at is not None

    @staticmethod
    def excerpt(post: Post, chars: int = 300) -> str:
        return Truncator(" ".join(strip_tags(post.html or "").split())).chars(chars)

    @staticmethod
    def url(post: Post) -> str:
        return post.get_absolute_url()

    @staticmethod
    def title(post: Post) -> str:
        return post.thread.title

    @staticmethod
    def is_awaiting(post: Post) -> bool:
        """Held by pre-moderation: never shown yet, waiting for a moderator's approval."""
        return post.awaiting_review

    @staticmethod
    def approve(post: Post, *, actor, data: dict) -> None:
        discussions.post_approve(actor=actor, post=post, audit_data=data)

    @staticmethod
    def hold(post: Post, *, reason: str, data: dict) -> None:
        discussions.post_hold_for_review(post=post, reason=reason, audit_data=data)

    @staticmethod
    def hide(post: Post, *, actor, reason: str, titles: dict, data: dict) -> None:
        discussions.post_hide(actor=actor, post=post, reason=reason, reason_titles=titles, audit_data=data)

    @staticmethod
    def restore(post: Post, *, actor, reason: str, data: dict) -> None:
        discussions.post_hide(actor=actor, post=post, reason=reason, hidden=False, audit_data=data)

    @staticmethod
    def remove(post: Post, *, actor, reason: str, data: dict) -> None:
        discussions.post_remove(actor=actor, post=post, reason=reason, audit_data=data)

    @staticmethod
    def reinstate(post: Post, *, actor, reason: str, data: dict) -> None:
        """Bring back a deleted post (an appeal overturned the deletion): its text is in the audit log."""
        from forum.audit.models import AuditEntry

        entry = (AuditEntry.objects.filter(verb="post.remove", target_type="discussions.post",
                                           target_id=str(post.pk)).order_by("-created_at", "-id").first())
        before = (entry.data or {}).get("before") if entry else None
        if not before:
            raise ValidationError(_("The removed text is not in the audit log: it cannot be brought back."),
                                  code="no_text")
        discussions.post_reinstate(actor=actor, post=post, source=before, reason=reason, audit_data=data)


def _id(object_id) -> int:
    try:
        return int(object_id)
    except (TypeError, ValueError):
        raise Http404 from None


def _excerpt(html: str, chars: int) -> str:
    return Truncator(" ".join(strip_tags(html or "").split())).chars(chars)


class _LiveItems:
    """What a live room's chat message and question share: loaded with their session, seen by whoever
    sees the room, moderated by the session's moderators, placed in the session, linked by anchor."""

    model = None  # ChatMessage or Question
    anchor = ""  # the element id's prefix on the room page

    @classmethod
    def load(cls, object_id):
        obj = cls.model.objects.select_related("session", "author").filter(pk=_id(object_id)).first()
        if obj is None:
            raise Http404
        return obj

    @staticmethod
    def check_view(user, obj) -> None:
        live_permissions.check_view_session(user, obj.session)

    @staticmethod
    def check_moderate(user, obj) -> None:
        live_permissions.check_moderate(user, obj.session)

    @staticmethod
    def place(obj) -> Place:
        return Place(session_id=obj.session_id)

    @staticmethod
    def author_id(obj) -> int | None:
        return obj.author_id

    @staticmethod
    def excerpt(obj, chars: int = 300) -> str:
        return _excerpt(obj.html, chars)

    @classmethod
    def url(cls, obj) -> str:
        return f"{obj.session.get_absolute_url()}#{cls.anchor}-{obj.pk}"

    @staticmethod
    def title(obj) -> str:
        return obj.session.title

    @staticmethod
    def titles(obj) -> dict[str, str]:
        """The session's title per language (a notice shows the reader's)."""
        return translated.snapshot(obj.session, "title")

    @classmethod
    def reinstate(cls, obj, *, actor, reason: str, data: dict) -> None:
        """Overturning a deletion brings it back as a restore does."""
        cls.restore(obj, actor=actor, reason=reason, data=data)


class MessageItems(_LiveItems):
    """A live room's chat message."""

    kind = "message"
    model = ChatMessage
    anchor = "room-message"

    @staticmethod
    def check_flag(user, msg: ChatMessage) -> None:
        live_permissions.check_report_message(user, msg)

    @staticmethod
    def is_hidden(msg: ChatMessage) -> bool:
        return msg.hidden_at is not None

    @staticmethod
    def is_removed(msg: ChatMessage) -> bool:
        return msg.removed_at is not None

    @staticmethod
    def hold(msg: ChatMessage, *, reason: str, data: dict) -> None:
        live.message_hold_for_review(message=msg, reason=reason[:200], audit_data=data)

    @staticmethod
    def hide(msg: ChatMessage, *, actor, reason: str, titles: dict, data: dict) -> None:
        live.message_hide(actor=actor, session=msg.session, message_id=msg.pk, reason=reason[:200], reason_titles=titles,
                          audit_data=data)
        msg.refresh_from_db(fields=["hidden_at", "hidden_reason"])

    @staticmethod
    def restore(msg: ChatMessage, *, actor, reason: str, data: dict) -> None:
        live.message_restore(actor=actor, session=msg.session, message_id=msg.pk, reason=reason[:200], audit_data=data)
        msg.refresh_from_db(fields=["hidden_at", "hidden_reason", "removed_at"])

    @staticmethod
    def remove(msg: ChatMessage, *, actor, reason: str, data: dict) -> None:
        live.message_delete(actor=actor, session=msg.session, message_id=msg.pk, reason=reason)
        msg.refresh_from_db(fields=["hidden_at", "removed_at"])


class QuestionItems(_LiveItems):
    """A live room's question."""

    kind = "question"
    model = Question
    anchor = "room-question"

    @staticmethod
    def check_flag(user, question: Question) -> None:
        live_permissions.check_report_question(user, question)

    @staticmethod
    def is_hidden(question: Question) -> bool:
        return question.state == Question.State.HIDDEN

    @staticmethod
    def is_removed(question: Question) -> bool:
        # A question has no deleted state: "delete" hides it for good (an appeal can still restore it).
        return question.state == Question.State.HIDDEN and bool((question.hidden_reason or {}).get("deleted"))

    @staticmethod
    def is_awaiting(question: Question) -> bool:
        """Held before it was shown (the session holds questions, or a watched word): never in the room yet."""
        return question.state == Question.State.HELD

    @staticmethod
    def approve(question: Question, *, actor, data: dict) -> None:
        """Publish it through the room's own service: it gets its number, the room a `question` event."""
        live.question_approve(actor=actor, session=question.session, question_id=question.pk)

    @staticmethod
    def hold(question: Question, *, reason: str, data: dict) -> None:
        live.question_hold_for_review(question=question, reason=reason[:200], audit_data=data)

    @staticmethod
    def hide(question: Question, *, actor, reason: str, titles: dict, data: dict) -> None:
        live.question_hide(actor=actor, session=question.session, question_id=question.pk, reason=reason[:200],
                           reason_titles=titles, audit_data=data)
        question.refresh_from_db(fields=["state", "hidden_reason"])

    @staticmethod
    def restore(question: Question, *, actor, reason: str, data: dict) -> None:
        live.question_restore(actor=actor, session=question.session, question_id=question.pk, reason=reason[:200],
                              audit_data=data)
        question.refresh_from_db(fields=["state", "hidden_reason"])

    @staticmethod
    def remove(question: Question, *, actor, reason: str, data: dict) -> None:
        live.question_hide(actor=actor, session=question.session, question_id=question.pk, reason=reason[:200],
                           reason_titles={"deleted": True}, audit_data=data)
        question.refresh_from_db(fields=["state", "hidden_reason"])


class PositionItems:
    """An organisation's position in a consultation (forum.consultations). A position is an official
    statement: moderators hide it (its organisation stays listed as having responded) or show it
    again; "delete" hides it too, and reinstating shows it again. One held before it was shown waits
    for approval (`is_awaiting` / `approve`); hidden or deleted instead, it stays out of sight."""

    kind = "position"

    @staticmethod
    def load(object_id) -> Position:
        position = (Position.objects.select_related("consultation", "consultation__thread",
                                                    "consultation__thread__category", "organisation", "signed_by")
                    .filter(pk=_id(object_id)).first())
        if position is None:
            raise Http404
        return position

    @staticmethod
    def check_flag(user, position: Position) -> None:
        consultation_permissions.check_report_position(user, position)

    @staticmethod
    def check_view(user, position: Position) -> None:
        consultation_permissions.check_view_position(user, position)

    @staticmethod
    def check_moderate(user, position: Position) -> None:
        consultation_permissions.check_hide_position(user, position)

    @staticmethod
    def place(position: Position) -> Place:
        return Place(category_id=position.consultation.thread.category_id)

    @staticmethod
    def author_id(position: Position) -> int:
        return position.signed_by_id

    @staticmethod
    def is_hidden(position: Position) -> bool:
        return position.hidden_at is not None

    @staticmethod
    def is_removed(position: Position) -> bool:
        # A position has no deleted state: "delete" hides it for good (an appeal can still restore it).
        return position.hidden_at is not None and bool((position.hidden_reason or {}).get("deleted"))

    @staticmethod
    def excerpt(position: Position, chars: int = 300) -> str:
        return _excerpt(position.html, chars)

    @staticmethod
    def url(position: Position) -> str:
        return position.get_absolute_url()

    @staticmethod
    def title(position: Position) -> str:
        return position.consultation.thread.title

    @staticmethod
    def is_awaiting(position: Position) -> bool:
        """Held before it was shown (a pre-moderated category, a watched word), not yet decided."""
        return consultation_permissions.is_pending_review(position)

    @staticmethod
    def approve(position: Position, *, actor, data: dict) -> None:
        found = consultations.position_approve(actor=actor, position=position, audit_data=data)
        position.awaiting_review, position.hidden_at, position.hidden_reason = (
            found.awaiting_review, found.hidden_at, found.hidden_reason)

    @staticmethod
    def hold(position: Position, *, reason: str, data: dict) -> None:
        consultations.position_hold_for_review(position=position, reason=reason, audit_data=data)

    @staticmethod
    def hide(position: Position, *, actor, reason: str, titles: dict, data: dict) -> None:
        found = consultations.position_hide(actor=actor, position=position, reason=reason, reason_titles=titles,
                                            audit_data=data)
        position.hidden_at, position.hidden_reason = found.hidden_at, found.hidden_reason

    @staticmethod
    def restore(position: Position, *, actor, reason: str, data: dict) -> None:
        found = consultations.position_hide(actor=actor, position=position, reason=reason, hidden=False,
                                            audit_data=data)
        position.hidden_at, position.hidden_reason = found.hidden_at, found.hidden_reason

    @staticmethod
    def remove(position: Position, *, actor, reason: str, data: dict) -> None:
        found = consultations.position_hide(actor=actor, position=position, reason=reason,
                                            reason_titles={"deleted": True}, audit_data=data)
        position.hidden_at, position.hidden_reason = found.hidden_at, found.hidden_reason

    reinstate = restore


ADAPTERS = {"post": PostItems, "message": MessageItems, "question": QuestionItems, "position": PositionItems}


def adapter(kind: str):
    """The adapter of `kind`, or Http404 (an unknown kind is a forged address)."""
    found = ADAPTERS.get(kind)
    if found is None:
        raise Http404
    return found
