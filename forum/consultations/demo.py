"""The consultations part of the demo site: one open consultation in the transitional justice category,
with two sub-questions and the positions of two organisations (one revised once).

Rows are written directly (the demo representatives have no second factor yet, so the services
would rightly refuse them); the text is rendered by the one rich-text module. Idempotent: the
consultation is found by its thread's title. Called by `seed_demo` (through `seed_demo_consultations`).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from forum.categories.models import Category
from forum.core import richtext
from forum.discussions import services as discussions
from forum.discussions.models import Thread

from . import services
from .models import Consultation, Position, PositionRevision, SubQuestion

TITLE = "Joint statement on the missing persons mechanism — بيان مشترك حول آلية المفقودين"
QUESTION = ("Should the federation sign the joint statement calling for an independent mechanism on missing "
            "persons? — هل يوقّع الاتحاد على البيان المشترك الداعي إلى آلية مستقلة للمفقودين؟")
SUB_QUESTIONS = ["Which families' organisations should be consulted first? — أي روابط للعائلات نستشير أولاً؟",
                 "What should the mechanism publish, and when? — ماذا تنشر الآلية ومتى؟"]
# (author key, stance, text, answers), in order; a second entry of the same author is a revision.
POSITIONS = [
    ("rep-lamsa", "reservations", "We support the statement, **provided** the families' associations sit on "
                                  "its steering board.", {"1": "Caesar Families Association first."}),
    ("rep-bina", "in_favour", "نؤيد البيان بالكامل، ونقترح إضافة فقرة عن **حماية الشهود**.",
     {"2": "تقارير فصلية علنية، مع حماية هوية الشهود."}),
    ("rep-lamsa", "in_favour", "We support the statement. The families' associations will sit on its steering "
                               "board (agreed on the thread).", {"1": "Caesar Families Association first."}),
]


def demo_consultation() -> Consultation | None:
    return Consultation.objects.filter(thread__title=TITLE).select_related("thread").first()


@transaction.atomic
def seed_consultation(users: dict) -> Consultation | None:
    found = demo_consultation()
    if found is not None:
        return found
    # Missing persons belong to transitional justice (a category every member may start in).
    category = (Category.objects.filter(slug="transitional-justice").first()
                or Category.objects.filter(parent__isnull=True, start_policy="members").order_by("position", "pk").first())
    if category is None or "admin" not in users:
        return None
    organiser = users["admin"]
    thread = discussions.thread_create(author=organiser, category=category, title=TITLE, source=QUESTION)
    Thread.objects.filter(pk=thread.pk).update(awaiting_review=False)
    consultation = Consultation.objects.create(thread=thread, question=QUESTION, created_by=organiser,
                                               deadline=timezone.now() + timedelta(days=10))
    consultation.organisers.add(organiser, *[u for k, u in users.items() if k == "moderator"])
    SubQuestion.objects.bulk_create([SubQuestion(consultation=consultation, number=n, text=text)
                                     for n, text in enumerate(SUB_QUESTIONS, start=1)])
    opening = thread.posts.order_by("pk").first()
    opening.source = services._opening_text(QUESTION, SUB_QUESTIONS,
                                            reverse("consultations:detail", kwargs={"consultation_id": thread.pk}))
    opening.html = richtext.render_post(opening.source)
    opening.save(update_fields=["source", "html"])
    for key, stance, text, answers in POSITIONS:
        rep = users.get(key)
        if rep is None:
            continue
        organisation = rep.memberships.get().organisation
        html, now = richtext.render_post(text), timezone.now()
        position = Position.objects.filter(consultation=consultation, organisation=organisation).first()
        if position is None:
            position = Position.objects.create(consultation=consultation, organisation=organisation, signed_by=rep,
                                               stance=stance, source=text, html=html, answers=answers,
                                               updated_at=now, revision_count=1)
        else:
            position.stance, position.source, position.html, position.answers = stance, text, html, answers
            position.updated_at, position.revision_count = now, position.revision_count + 1
            position.save()
        PositionRevision.objects.create(position=position, number=position.revision_count, signed_by=rep,
                                        stance=stance, source=text, html=html, answers=answers)
    return consultation
