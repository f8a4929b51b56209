"""What the consultations app holds about a person: the organisation positions (and versions) they
signed. No eraser: a position is its organisation's statement and stays; once the account is
deleted it is shown as signed by "Former member"."""

from forum.core import personal_data

from .models import PositionRevision


def export(user):
    return [
        {"consultation": r.position.consultation.thread.title, "organisation": r.position.organisation.name,
         "version": r.number, "stance": r.stance, "text": r.source, "answers": r.answers,
         "signed_at": r.created_at.isoformat()}
        for r in PositionRevision.objects.filter(signed_by=user)
        .select_related("position__consultation__thread", "position__organisation").order_by("id")
    ]


personal_data.register("consultations.signed", export=export)
