"""The reminder job: representatives of organisations that have not responded, a set time before the
deadline, once per organisation and consultation; members, organisations that responded and
consultations far from their deadline get nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override

from forum.consultations import reminders
from forum.consultations.models import Reminder
from forum.core import jobs
from forum.notifications.models import Notification
from forum.notifications.texts import describe

pytestmark = pytest.mark.django_db


def test_the_job_is_in_the_registry():
    found = {job.name: job for job in jobs.registered()}
    assert found["consultations.reminders"].schedule == jobs.EVERY_MINUTE


def test_representatives_of_silent_organisations_are_reminded_once(make_consultation, make_representative,
                                                                   make_user, submit, settings):
    settings.FORUM_CONSULTATION_REMINDER_HOURS = 48
    soon = make_consultation(title="Charter", deadline=timezone.now() + timedelta(hours=20))
    later = make_consultation(deadline=timezone.now() + timedelta(days=10))
    silent_rep = make_representative()
    colleague = make_representative(organisation=silent_rep.memberships.get().organisation)
    member = make_user(role="member", organisation=silent_rep.memberships.get().organisation)
    answered_rep = make_representative()
    submit(actor=answered_rep, consultation=soon)
    written = reminders.send_due_reminders()
    assert written == 2
    notices = Notification.objects.filter(kind="system")
    assert sorted(notices.values_list("recipient_id", flat=True)) == sorted([silent_rep.pk, colleague.pk])
    assert not notices.filter(recipient__in=[member, answered_rep]).exists()
    assert notices.first().url == soon.get_absolute_url()
    assert Reminder.objects.filter(consultation=soon).count() == 1
    assert not Reminder.objects.filter(consultation=later).exists()
    assert reminders.send_due_reminders() == 0  # once per organisation
    assert Notification.objects.filter(kind="system").count() == 2


def test_closed_consultations_and_unreadable_ones_send_nothing(make_consultation, make_representative,
                                                               make_category, make_organisation):
    closed = make_consultation(deadline=timezone.now() + timedelta(hours=1))
    type(closed).objects.filter(pk=closed.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    hidden = make_consultation(category=make_category(visibility="restricted",
                                                      allowed_organisations=[make_organisation()]),
                               deadline=timezone.now() + timedelta(hours=2))
    make_representative()
    assert reminders.send_due_reminders() == 0
    assert not Reminder.objects.filter(consultation=hidden).exists()


def test_the_reminder_reads_in_the_readers_language(make_consultation, make_representative):
    make_consultation(title="Charter", deadline=timezone.now() + timedelta(hours=3))
    rep = make_representative()
    reminders.send_due_reminders()
    notice = Notification.objects.get(recipient=rep)
    with override("fr"):
        assert "n'a pas encore donné sa position" in describe(notice)
    with override("ar"):
        assert "لم تقدّم منظمتك موقفها" in describe(notice)
    assert "Charter" in describe(notice, html=True)
