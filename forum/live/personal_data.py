"""What live rooms hold about a person: their messages, questions and votes.

Messages and questions stay when an account is deleted (a room's record stays readable), shown as
written by "Former member": the stored room events that named the author are rewritten, so a replay
no longer carries the name or organisation. Votes are the person's alone and go.
"""

from django.utils.translation import gettext as _

from forum.core import personal_data

from . import events
from .models import ChatMessage, Question, QuestionVote, RoomEvent


def _iso(value):
    return value.isoformat() if value else None


def export_live(user):
    return {
        "messages": [
            {"id": m.pk, "session": m.session_id, "text": m.source, "sent_at": _iso(m.created_at),
             "edited_at": _iso(m.edited_at), "removed": m.removed_at is not None}
            for m in ChatMessage.objects.filter(author=user).order_by("id")
        ],
        "questions": [
            {"id": q.pk, "session": q.session_id, "text": q.source, "asked_at": _iso(q.created_at),
             "state": q.state}
            for q in Question.objects.filter(author=user).order_by("id")
        ],
        "votes": [
            {"question": v.question_id, "created_at": _iso(v.created_at)}
            for v in QuestionVote.objects.filter(user=user).order_by("id")
        ],
    }


def erase_live(user):
    former = {"id": None, "name": str(_("Former member")), "organisation": None, "observer": False}
    for kind, model in ((events.MESSAGE, ChatMessage), (events.QUESTION, Question)):
        ids = list(model.objects.filter(author=user).values_list("pk", flat=True))
        for event in RoomEvent.objects.filter(kind=kind, ref_id__in=ids):
            if "author" in event.payload:
                event.payload = {**event.payload, "author": former}
                event.save(update_fields=["payload"])
    votes = QuestionVote.objects.filter(user=user)
    question_ids = list(votes.values_list("question_id", flat=True))
    votes.delete()
    for question in Question.objects.filter(pk__in=question_ids):
        Question.objects.filter(pk=question.pk).update(votes=QuestionVote.objects.filter(question=question).count())


personal_data.register("live.authored", export=export_live, erase=erase_live)
