"""What moderation holds about a person: the flags they made, their appeals, and the decisions
about their content or themselves."""

from django.db.models import Case, Value, When

from forum.core import personal_data

from .models import Action, Appeal, Flag


def export(user):
    return {
        "flags": [{"kind": f.item.kind, "object_id": f.item.object_id, "reason": f.reason, "text": f.text,
                   "state": f.state, "created_at": f.created_at.isoformat()}
                  for f in Flag.objects.filter(reporter=user).select_related("item").order_by("id")],
        "decisions_about_me": [{"kind": a.kind, "rule": a.rule.title_en, "note": a.note,
                                "created_at": a.created_at.isoformat()}
                               for a in Action.objects.filter(subject=user).select_related("rule").order_by("id")],
        "appeals": [{"decision": a.action_id, "statement": a.statement, "outcome": a.outcome,
                     "created_at": a.created_at.isoformat()}
                    for a in Appeal.objects.filter(appellant=user).order_by("id")],
    }


def erase(user):
    # The counts stay (a flag still counted; the queue's history still adds up); the words go.
    # ("other" must carry text in the table: a dash stands for the erased words.)
    Flag.objects.filter(reporter=user).update(text=Case(When(reason="other", then=Value("—")), default=Value("")))
    Appeal.objects.filter(appellant=user).update(statement="")


personal_data.register("moderation", export=export, erase=erase)
