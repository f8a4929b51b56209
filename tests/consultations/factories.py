"""Keyword-only factories for consultations and positions, made through the real services."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

_n = itertools.count(1)


@pytest.fixture
def organiser(make_user, give_mfa):
    return give_mfa(make_user(role="moderator", display_name="Organiser Moderator"))


@pytest.fixture
def make_representative(make_user, give_mfa):
    def make(*, organisation=None, **kwargs):
        return give_mfa(make_user(role="representative", organisation=organisation, **kwargs))

    return make


@pytest.fixture
def make_consultation(db, make_category, organiser):
    from forum.consultations import services

    def make(*, actor=None, category=None, title: str | None = None, question: str = "Should we sign the charter?",
             deadline=None, sub_questions=(), organisers=()):
        return services.consultation_create(
            actor=actor or organiser, category=category or make_category(), title=title or f"Consultation {next(_n)}",
            question=question, deadline=deadline or timezone.now() + timedelta(days=7),
            sub_questions=list(sub_questions), organisers=organisers)

    return make


@pytest.fixture
def submit(db):
    from forum.consultations import services

    def do(*, actor, consultation, stance: str = "in_favour", source: str = "We agree.", answers=None,
           base_revision=None):
        return services.position_submit(actor=actor, consultation=consultation, stance=stance, source=source,
                                        answers=answers or {}, base_revision=base_revision)

    return do


def close(consultation) -> None:
    """Move the deadline into the past (as time passing would)."""
    type(consultation).objects.filter(pk=consultation.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    consultation.refresh_from_db()
