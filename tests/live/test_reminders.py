"""The reminder before a session starts: to its audience only, once; and what it says."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from forum.accounts.models import ObserverGrant, Restriction
from forum.core import jobs
from forum.live import reminders
from forum.live.models import LiveSession
from forum.notifications import texts
from forum.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sync_email(settings):
    settings.FORUM_EMAIL_WORKER = "sync"


def soon(minutes=20):
    return timezone.now() + timedelta(minutes=minutes)


def test_the_job_is_declared_every_minute():
    job = jobs.get("live.reminders")
    assert job.schedule == jobs.EVERY_MINUTE


def test_the_audience_of_a_session_for_chosen_organisations_is_reminded_once(make_session, make_user,
                                                                           make_organisation):
    org, other = make_organisation(), make_organisation()
    inside, outside = make_user(role="member", organisation=org), make_user(role="member", organisation=other)
    suspended = make_user(role="member", organisation=org, suspended=True)
    organiser = make_user(role="member")
    observer, uninvited_observer = make_user(role="observer"), make_user(role="observer")
    session = make_session(state="scheduled", audience="organisations", organisations=[org],
                           organisers=[organiser], starts_at=soon())
    ObserverGrant.objects.create(user=observer, scope="session", object_id=session.pk)
    assert reminders.send_due_reminders() == 3
    notified = set(Notification.objects.filter(kind="live_reminder").values_list("recipient_id", flat=True))
    assert notified == {inside.pk, organiser.pk, observer.pk}
    assert outside.pk not in notified and suspended.pk not in notified and uninvited_observer.pk not in notified
    assert LiveSession.objects.get(pk=session.pk).reminder_sent_at is not None
    assert reminders.send_due_reminders() == 0  # once
    assert Notification.objects.filter(kind="live_reminder").count() == 3


def test_only_sessions_starting_within_the_setting_are_due(make_session, settings, member):
    settings.FORUM_LIVE_REMINDER_MINUTES = 30
    later = make_session(state="scheduled", starts_at=soon(45))
    due = make_session(state="scheduled", starts_at=soon(25))
    make_session(state="open", starts_at=soon(10))  # already open: no reminder
    assert list(reminders.due_sessions()) == [due]
    settings.FORUM_LIVE_REMINDER_MINUTES = 60
    assert set(reminders.due_sessions()) == {due, later}


def test_someone_removed_from_the_session_is_not_reminded(make_session, member, make_user):
    session = make_session(state="scheduled", starts_at=soon())
    removed = make_user(role="member")
    Restriction.objects.create(user=removed, kind="suspension", scope="session", object_id=session.pk, reason="x")
    reminders.send_due_reminders()
    notified = set(Notification.objects.values_list("recipient_id", flat=True))
    assert member.pk in notified and removed.pk not in notified


def test_the_notice_says_which_session_and_when_in_the_readers_language(make_session, member, client):
    session = make_session(title="Wells & water", state="scheduled", starts_at=soon())
    reminders.send_due_reminders()
    notice = Notification.objects.get(recipient=member)
    assert notice.url == session.get_absolute_url()
    assert "Wells & water" in texts.describe(notice) and "starts at" in texts.describe(notice)
    with translation.override("fr"):
        assert "commence" in texts.describe(notice)
    client.force_login(member)
    assert "Wells &amp; water" in client.get(reverse("notifications:index")).content.decode()


def test_the_notice_disappears_when_the_reader_loses_access(make_session, member, client):
    session = make_session(state="scheduled", starts_at=soon())
    reminders.send_due_reminders()
    client.force_login(member)
    assert session.title in client.get(reverse("notifications:index")).content.decode()
    Restriction.objects.create(user=member, kind="suspension", scope="session", object_id=session.pk, reason="x")
    assert session.title not in client.get(reverse("notifications:index")).content.decode()


def test_the_reminder_and_the_calendar_entry_use_the_readers_language(make_session, make_user, client):
    """Issue #10: the session's title per language reaches the reminder (a snapshot read in each
    reader's language) and the calendar file (the language of whoever downloads it)."""
    session = make_session(state="scheduled", title="Water", starts_at=soon())
    session.title_ar, session.title_fr, session.description_fr = "المياه", "L'eau", "Tout sur l'eau"
    session.save()
    member = make_user(role="member")
    reminders.send_due_reminders()
    notice = Notification.objects.get(recipient=member, kind="live_reminder")
    for language, title in (("ar", "المياه"), ("fr", "L'eau"), ("en", "Water")):
        with translation.override(language):
            assert title in texts.describe(notice)
    client.force_login(member)
    calendar_url = reverse("live:calendar", args=[session.pk])
    ics = client.get(calendar_url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "SUMMARY:L'eau" in ics and "Tout sur l'eau" in ics
    assert "SUMMARY:المياه" in client.get(calendar_url, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
