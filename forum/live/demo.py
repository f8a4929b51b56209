"""The live part of the demo site: one open session for all members, with a few messages and
questions written through the room services (rendered, numbered, stored as room events).

Idempotent: the session is found by its title; a second run adds nothing. Called by `seed_demo`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from forum.categories.models import Category
from forum.organisations import demo

from . import services
from .models import LiveSession

TITLE = "Transitional justice: what should come first? — العدالة الانتقالية: بماذا نبدأ؟"
DESCRIPTION = ("An open dialogue between member organisations on priorities for transitional justice.\n"
               "حوار مفتوح بين المنظمات الأعضاء حول أولويات العدالة الانتقالية.")
# The same, one language at a time (readers see theirs; the bilingual default stays the fallback).
TRANSLATIONS = {
    "title_ar": "العدالة الانتقالية: بماذا نبدأ؟",
    "title_fr": "Justice transitionnelle : par quoi commencer ?",
    "title_en": "Transitional justice: what should come first?",
    "description_ar": "حوار مفتوح بين المنظمات الأعضاء حول أولويات العدالة الانتقالية.",
    "description_fr": "Un dialogue ouvert entre organisations membres sur les priorités de la justice transitionnelle.",
    "description_en": "An open dialogue between member organisations on priorities for transitional justice.",
}

# (author key, text): chat messages, in order
MESSAGES = [
    ("member-bina", "مرحباً بالجميع، يسعدنا المشاركة من **حمص**."),
    ("member-jasmin", "Bonjour à toutes et à tous ! Nous suivons depuis Paris."),
    ("member-olive", "Hello from Gaziantep. Is the session recorded? *Asking for our field team.*"),
    ("moderator", "أهلاً بكم. الجلسة ليست سرّية: سيُنشر ملخّص المحضر بعد الإغلاق."),
    ("member-dawn", "نقترح أن نبدأ بملف المفقودين، فهو الأكثر إلحاحاً للعائلات."),
]
# (author key, text, voters): questions
QUESTIONS = [
    ("member-lamsa", "How do we protect witnesses who speak at public hearings?",
     ["member-bina", "member-jasmin", "member-olive"]),
    ("member-bina", "ما دور المنظمات المحلية في لجان الحقيقة؟", ["member-dawn"]),
    ("member-jasmin", "Comment associer la diaspora aux consultations ?", []),
]


def demo_session() -> LiveSession | None:
    return LiveSession.objects.filter(title=TITLE).first()


@transaction.atomic
def seed_live(users: dict) -> LiveSession:
    """The demo session (created open, with its messages, questions and votes), or the existing one."""
    existing = demo_session()
    if existing is not None:
        return existing
    now = timezone.now()
    category = Category.objects.filter(slug="transitional-justice").first()
    # The demo admin has no second factor yet, so the session row is written directly (the services
    # would rightly refuse them); everything said in the room goes through the room services.
    session = LiveSession.objects.create(
        title=TITLE, description=DESCRIPTION, **TRANSLATIONS, starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(days=30), category=category, audience=LiveSession.Audience.MEMBERS,
        mode=LiveSession.Mode.BOTH, state=LiveSession.State.OPEN, opened_at=now, created_by=users["admin"])
    session.organisers.set([users["admin"]])
    session.moderators.set([users["moderator"]])
    for key, text in MESSAGES:
        services.message_send(actor=users[key], session=session, client_id=uuid.uuid4(), body=text)
    for key, text, voters in QUESTIONS:
        question, _created = services.question_ask(actor=users[key], session=session, client_id=uuid.uuid4(),
                                                   body=text)
        for voter in voters:
            services.question_vote(actor=users[voter], session=session, question_id=question.pk)
    return session


def demo_users() -> dict:
    """The demo accounts by key (those that exist)."""
    from forum.accounts.models import User

    emails = {spec.email: spec.key for spec in demo.USERS}
    return {emails[u.email]: u for u in User.objects.filter(email__in=emails)}


def session_url(session: LiveSession) -> str:
    """The room's address as `make run` serves it (FORUM_SITE_URL when set)."""
    from forum.organisations.services import absolute_url

    return absolute_url(session.get_absolute_url())
