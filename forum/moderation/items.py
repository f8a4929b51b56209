"""The content the review queue knows, by kind: how to find it, who may flag it, where it is, and how
to hide, restore or delete it — always through the owning app's own checks and services.

Posts are wired for flags and pre-moderation; questions for pre-moderation (a session that holds
questions, a watched word): `is_awaiting` / `approve` publish them through the live services. A
chat message gets an adapter of the same shape: `load` (Http404 for an unknown id), `check_flag`
(the live app's "may report" rule), `place` (session id), and `hide` / `restore` / `remove`
calling the live services (which also make the hidden message disappear from every open room screen).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from forum.discussions import permissions as discussions_permissions
from forum.discussions import services as discussions
from forum.discussions.models import Post
from forum.live import permissions as live_permissions
from forum.live import services as live
from forum.live.models import Question


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


class QuestionItems:
    """A live session's question. In the queue when the session holds questions for approval, or a
    watched word caught it; approving publishes it through the room's own service (it gets its
    number, the room is sent the `question` event); hiding and deleting hide it in the room."""

    kind = "question"

    @staticmethod
    def load(object_id) -> Question:
        try:
            pk = int(object_id)
        except (TypeError, ValueError):
            raise Http404 from None
        question = Question.objects.select_related("session", "author").filter(pk=pk).first()
        if question is None:
            raise Http404
        return question

    @staticmethod
    def check_flag(user, question: Question) -> None:
        live_permissions.check_view_session(user, question.session)
        raise PermissionDenied(_("Questions are reported to the session's moderators in the room."))

    @staticmethod
    def check_view(user, question: Question) -> None:
        live_permissions.check_view_session(user, question.session)

    @staticmethod
    def check_moderate(user, question: Question) -> None:
        live_permissions.check_moderate(user, question.session)

    @staticmethod
    def place(question: Question) -> Place:
        return Place(session_id=question.session_id)

    @staticmethod
    def author_id(question: Question) -> int | None:
        return question.author_id

    @staticmethod
    def is_hidden(question: Question) -> bool:
        return question.state == Question.State.HIDDEN

    @staticmethod
    def is_removed(question: Question) -> bool:
        return question.state == Question.State.HIDDEN

    @staticmethod
    def is_awaiting(question: Question) -> bool:
        return question.state == Question.State.HELD

    @staticmethod
    def excerpt(question: Question, chars: int = 300) -> str:
        return Truncator(" ".join(strip_tags(question.html or "").split())).chars(chars)

    @staticmethod
    def url(question: Question) -> str:
        return question.session.get_absolute_url()

    @staticmethod
    def title(question: Question) -> str:
        return question.session.title

    @staticmethod
    def approve(question: Question, *, actor, data: dict) -> None:
        live.question_approve(actor=actor, session=question.session, question_id=question.pk)

    @staticmethod
    def hold(question: Question, *, reason: str, data: dict) -> None:
        return None  # a question is held before it is shown (the session's setting), never after

    @staticmethod
    def hide(question: Question, *, actor, reason: str, titles: dict, data: dict) -> None:
        live.question_hide(actor=actor, session=question.session, question_id=question.pk, reason=reason[:200])

    @staticmethod
    def restore(question: Question, *, actor, reason: str, data: dict) -> None:
        raise ValidationError(_("A hidden question cannot be shown again: the member may ask it again."),
                              code="not_restorable")

    remove = hide


ADAPTERS = {"post": PostItems, "question": QuestionItems}


def adapter(kind: str):
    """The adapter of `kind`, or Http404 (an unknown kind is a forged address)."""
    found = ADAPTERS.get(kind)
    if found is None:
        raise Http404
    return found
