"""Consultations through their services: opening one, positions (one per organisation, revisions
kept, the window), the synthesis, and the named bad input — each refused with nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from forum.accounts.permissions import SecondFactorRequired
from forum.audit.models import AuditEntry
from forum.consultations import events, services
from forum.consultations.models import Consultation, Position, PositionRevision
from tests.consultations.factories import close

pytestmark = pytest.mark.django_db


def _state():
    return (Position.objects.count(), PositionRevision.objects.count(),
            list(Position.objects.values_list("stance", "source", "revision_count", "signed_by_id")))


# --- Opening a consultation --------------------------------------------------------------------

def test_an_organiser_opens_a_consultation_as_a_thread_with_sub_questions(make_consultation, organiser):
    consultation = make_consultation(title="Charter", question="Sign it?", sub_questions=["When?", " ", "Who?"])
    thread = consultation.thread
    assert consultation.pk == thread.pk and thread.title == "Charter" and thread.author == organiser
    assert [s.text for s in consultation.sub_questions.all()] == ["When?", "Who?"]
    opening = thread.posts.get()
    assert "Sign it?" in opening.html and f'href="/consultations/{consultation.pk}/"' in opening.html
    assert organiser.pk in set(consultation.organisers.values_list("pk", flat=True))
    assert AuditEntry.objects.filter(verb="consultation.create", target_id=str(thread.pk)).exists()


@pytest.mark.parametrize("role", ["member", "representative", "observer"])
def test_only_administrators_and_moderators_open_consultations(make_user, make_category, role):
    user = make_user(role=role)
    with pytest.raises(PermissionDenied):
        services.consultation_create(actor=user, category=make_category(), title="T", question="Q?",
                                     deadline=timezone.now() + timedelta(days=1))
    assert Consultation.objects.count() == 0


def test_a_moderator_without_a_second_factor_is_sent_to_enrol(make_user, make_category):
    with pytest.raises(SecondFactorRequired):
        services.consultation_create(actor=make_user(role="moderator"), category=make_category(), title="T",
                                     question="Q?", deadline=timezone.now() + timedelta(days=1))


@pytest.mark.parametrize(("question", "deadline_days", "subs", "field"), [
    ("", 1, [], "question"), ("x" * 2001, 1, [], "question"), ("Q?", -1, [], "deadline"),
    ("Q?", 1, [f"s{n}" for n in range(11)], "sub_questions"), ("Q?", 1, ["x" * 501], "sub_questions"),
])
def test_bad_consultations_are_refused_with_nothing_made(organiser, make_category, question, deadline_days,
                                                          subs, field):
    from forum.discussions.models import Thread

    with pytest.raises(ValidationError) as caught:
        services.consultation_create(actor=organiser, category=make_category(), title="T", question=question,
                                     deadline=timezone.now() + timedelta(days=deadline_days), sub_questions=subs)
    assert field in caught.value.message_dict
    assert Consultation.objects.count() == 0 and Thread.objects.count() == 0


# --- Positions ---------------------------------------------------------------------------------

def test_a_representative_submits_then_revises_and_every_version_is_kept(make_consultation, make_representative,
                                                                          submit, broadcasts,
                                                                          django_capture_on_commit_callbacks):
    consultation = make_consultation(sub_questions=["When?", "Who?"])
    rep = make_representative()
    other_rep = make_representative(organisation=rep.memberships.get().organisation)
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(actor=rep, consultation=consultation, stance="reservations", source="**Mostly** yes",
                   answers={"1": "Next year"})
    assert (first.stance, first.revision_count, first.answers) == ("reservations", 1, {"1": "Next year"})
    assert "<strong>Mostly</strong>" in first.html
    with django_capture_on_commit_callbacks(execute=True):
        second = submit(actor=other_rep, consultation=consultation, stance="in_favour", source="Yes now",
                        answers={"2": "All of us"}, base_revision=1)
    assert second.pk == first.pk and second.revision_count == 2 and second.signed_by == other_rep
    versions = list(PositionRevision.objects.filter(position=first).order_by("number"))
    assert [(v.number, v.stance, v.source, v.signed_by_id) for v in versions] == [
        (1, "reservations", "**Mostly** yes", rep.pk), (2, "in_favour", "Yes now", other_rep.pk)]
    assert list(AuditEntry.objects.filter(target_type="consultations.position")
            .order_by("pk").values_list("verb", flat=True)) == ["position.submit", "position.revise"]
    group = events.consultation_group(consultation.pk)
    assert [(g, e["type"], e["revision"]) for g, e in broadcasts] == [
        (group, events.POSITION_CHANGED, 1), (group, events.POSITION_CHANGED, 2)]


def test_a_second_position_from_the_same_organisation_is_refused(make_consultation, make_representative, submit):
    consultation = make_consultation()
    rep = make_representative()
    colleague = make_representative(organisation=rep.memberships.get().organisation)
    submit(actor=rep, consultation=consultation, source="First")
    before = _state()
    with pytest.raises(ValidationError) as caught:
        submit(actor=colleague, consultation=consultation, source="Second")
    assert caught.value.code == "exists"
    assert _state() == before


def test_the_database_holds_one_position_per_organisation(make_consultation, make_representative, submit):
    consultation = make_consultation()
    rep = make_representative()
    first = submit(actor=rep, consultation=consultation)
    with pytest.raises(IntegrityError), transaction.atomic():
        Position.objects.create(consultation=consultation, organisation=first.organisation, signed_by=rep,
                                stance="against", source="x", html="x", updated_at=timezone.now())


def test_a_revision_from_an_older_version_is_refused(make_consultation, make_representative, submit):
    consultation = make_consultation()
    rep = make_representative()
    submit(actor=rep, consultation=consultation, source="v1")
    submit(actor=rep, consultation=consultation, source="v2", base_revision=1)
    before = _state()
    with pytest.raises(ValidationError) as caught:
        submit(actor=rep, consultation=consultation, source="from v1", base_revision=1)
    assert caught.value.code == "stale" and _state() == before


def test_revising_a_position_that_does_not_exist_is_refused(make_consultation, make_representative, submit):
    consultation = make_consultation()
    with pytest.raises(ValidationError) as caught:
        submit(actor=make_representative(), consultation=consultation, base_revision=3)
    assert caught.value.code == "no_position" and Position.objects.count() == 0


def test_after_the_deadline_nothing_is_submitted_or_revised(make_consultation, make_representative, submit):
    consultation = make_consultation()
    rep, late = make_representative(), make_representative()
    submit(actor=rep, consultation=consultation, source="On time")
    close(consultation)
    before = _state()
    with pytest.raises(PermissionDenied, match="deadline has passed"):
        submit(actor=rep, consultation=consultation, source="Changed", base_revision=1)
    with pytest.raises(PermissionDenied, match="deadline has passed"):
        submit(actor=late, consultation=consultation, source="Late")
    assert _state() == before


@pytest.mark.parametrize("role", ["member", "observer", "moderator", "admin"])
def test_only_representatives_submit(make_consultation, make_user, give_mfa, submit, role, make_category):
    category = make_category()
    user = give_mfa(make_user(role=role)) if role in ("moderator", "admin") else make_user(role=role)
    if role == "observer":
        from forum.accounts.models import ObserverGrant

        ObserverGrant.objects.create(user=user, scope="category", object_id=category.pk)
    consultation = make_consultation(category=category)
    with pytest.raises(PermissionDenied):
        submit(actor=user, consultation=consultation)
    assert Position.objects.count() == 0


def test_a_representative_without_a_second_factor_must_enrol_first(make_consultation, make_user, submit):
    with pytest.raises(SecondFactorRequired):
        submit(actor=make_user(role="representative"), consultation=make_consultation())
    assert Position.objects.count() == 0


def test_a_suspended_or_muted_representative_is_refused(make_consultation, make_representative, submit):
    from forum.accounts import permissions as accounts
    from forum.accounts.models import Restriction

    consultation = make_consultation()
    muted, suspended = make_representative(), make_representative()
    Restriction.objects.create(user=muted, kind="mute", scope="category", object_id=consultation.thread.category_id,
                               reason="x")
    Restriction.objects.create(user=suspended, kind="suspension", scope="site", reason="x")
    for user in (muted, suspended):
        accounts.forget(user)
        with pytest.raises((PermissionDenied, Http404)):
            submit(actor=user, consultation=consultation)
    assert Position.objects.count() == 0


def test_nobody_revises_another_organisations_position(make_consultation, make_representative, submit):
    from forum.consultations import permissions

    consultation = make_consultation()
    theirs = submit(actor=make_representative(), consultation=consultation)
    with pytest.raises(PermissionDenied, match="your own organisation"):
        permissions.check_revise_position(make_representative(), theirs)


def test_a_consultation_the_reader_may_not_see_is_not_found(make_consultation, make_representative, submit,
                                                             make_category, make_organisation):
    category = make_category(visibility="restricted", allowed_organisations=[make_organisation()])
    consultation = make_consultation(category=category)
    with pytest.raises(Http404):
        submit(actor=make_representative(), consultation=consultation)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"stance": "maybe"}, "stance"), ({"stance": ""}, "stance"), ({"source": "   "}, "source"),
    ({"source": "x" * 20001}, "source"), ({"answers": {"9": "forged"}}, "answers"),
    ({"answers": {"abc": "forged"}}, "answers"), ({"answers": {"1": "x" * 5001}}, "answer_1"),
])
def test_bad_positions_are_refused_with_nothing_changed(make_consultation, make_representative, submit, kwargs,
                                                         field):
    consultation = make_consultation(sub_questions=["One?"])
    with pytest.raises(ValidationError) as caught:
        submit(actor=make_representative(), consultation=consultation, **kwargs)
    assert field in caught.value.message_dict
    assert Position.objects.count() == 0 and PositionRevision.objects.count() == 0


# --- Synthesis ---------------------------------------------------------------------------------

def test_the_synthesis_is_published_after_the_deadline_by_an_organiser(make_consultation, organiser, broadcasts,
                                                                       django_capture_on_commit_callbacks):
    consultation = make_consultation()
    with pytest.raises(PermissionDenied, match="after the deadline"):
        services.synthesis_publish(actor=organiser, consultation=consultation, source="Early")
    close(consultation)
    with django_capture_on_commit_callbacks(execute=True):
        services.synthesis_publish(actor=organiser, consultation=consultation, source="Most *agree*")
    consultation.refresh_from_db()
    assert consultation.synthesis_published_at and consultation.synthesis_by == organiser
    assert "<em>agree</em>" in consultation.synthesis_html
    assert broadcasts[-1][1]["type"] == events.SYNTHESIS_PUBLISHED


def test_a_moderator_not_designated_cannot_publish_the_synthesis_but_an_administrator_can(
        make_consultation, make_user, give_mfa, make_representative):
    consultation = make_consultation()
    close(consultation)
    for outsider in (give_mfa(make_user(role="moderator")), make_representative(), make_user(role="member")):
        with pytest.raises(PermissionDenied):
            services.synthesis_publish(actor=outsider, consultation=consultation, source="Mine")
    consultation.refresh_from_db()
    assert consultation.synthesis_published_at is None
    services.synthesis_publish(actor=give_mfa(make_user(role="admin")), consultation=consultation, source="Ours")


def test_a_designated_moderator_publishes_the_synthesis(make_consultation, make_user, give_mfa):
    designated = give_mfa(make_user(role="moderator"))
    consultation = make_consultation(organisers=[designated])
    close(consultation)
    services.synthesis_publish(actor=designated, consultation=consultation, source="Done")
    with pytest.raises(ValidationError):
        services.synthesis_publish(actor=designated, consultation=consultation, source="  ")
    consultation.refresh_from_db()
    assert consultation.synthesis_source == "Done"


def test_the_signer_downloads_the_versions_they_signed(make_consultation, make_representative, submit):
    from forum.core import personal_data

    rep = make_representative()
    consultation = make_consultation(title="Charter")
    submit(actor=rep, consultation=consultation, stance="against", source="v1")
    submit(actor=rep, consultation=consultation, stance="in_favour", source="v2", base_revision=1)
    entry = next(e for e in personal_data.entries() if e.name == "consultations.signed")
    assert [(r["consultation"], r["version"], r["stance"], r["text"]) for r in entry.export(rep)] == [
        ("Charter", 1, "against", "v1"), ("Charter", 2, "in_favour", "v2")]


def test_a_moderator_of_the_consultations_category_can_be_an_organiser(make_consultation, make_category, make_user,
                                                                       give_mfa):
    category = make_category()
    category_moderator = give_mfa(make_user(role="member"))
    category.moderators.add(category_moderator)
    consultation = make_consultation(category=category, organisers=[category_moderator])
    close(consultation)
    services.synthesis_publish(actor=category_moderator, consultation=consultation, source="Notre synthèse")
    consultation.refresh_from_db()
    assert consultation.synthesis_source == "Notre synthèse"


def test_an_organiser_who_does_not_moderate_the_category_is_refused_and_nothing_is_opened(
        make_consultation, make_category, make_user):
    from forum.discussions.models import Thread

    elsewhere = make_category()
    outsider = make_user(role="member", display_name="Karim Outsider")
    elsewhere.moderators.add(outsider)  # moderates another category only
    threads = Thread.objects.count()
    with pytest.raises(ValidationError) as refused:
        make_consultation(category=make_category(), organisers=[outsider])
    assert "Karim Outsider" in str(refused.value.message_dict["organisers"])
    with pytest.raises(ValidationError):
        make_consultation(organisers=[987654])  # a forged id
    assert Thread.objects.count() == threads
    assert not Consultation.objects.exists()
