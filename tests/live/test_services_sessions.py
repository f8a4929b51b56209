"""Sessions as the site changes them: create, update, observers (forum/live/services/sessions.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from forum.accounts.models import ObserverGrant
from forum.audit.models import AuditEntry
from forum.live.models import LiveSession
from forum.live.services import sessions

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user, give_mfa):
    return give_mfa(make_user(role="admin"))


def times(days=1, hours=2):
    start = timezone.now() + timedelta(days=days)
    return {"starts_at": start, "ends_at": start + timedelta(hours=hours)}


def test_create_saves_the_session_with_its_people_and_audits(admin, make_user, make_organisation):
    org = make_organisation()
    moderator = make_user(role="member")
    session = sessions.session_create(actor=admin, title="  Talks  ", moderators=[moderator],
                                      audience="organisations", organisations=[org], mode="qa",
                                      off_the_record=True, **times())
    assert session.title == "Talks" and session.state == "scheduled" and session.off_the_record
    assert list(session.organisations.all()) == [org] and list(session.moderators.all()) == [moderator]
    assert session.organisers.filter(pk=admin.pk).exists() and session.created_by == admin
    entry = AuditEntry.objects.get(verb="live_session.create")
    assert entry.data["organisations"] == [org.pk] and entry.data["mode"] == "qa"


@pytest.mark.parametrize(("change", "field"), [
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": "bad\x00title"}, "title"),
    ({"ends_at": timezone.now() + timedelta(days=1)}, "ends_at"),  # before the start
    ({"starts_at": timezone.now() - timedelta(days=2), "ends_at": timezone.now() - timedelta(days=1)}, "ends_at"),
    ({"audience": "organisations"}, "organisations"),
    ({"audience": "everyone"}, "audience"),
    ({"mode": "video"}, "mode"),
    ({"description": "d" * 5001}, "description"),
])
def test_bad_input_is_refused_by_field_and_nothing_is_saved(admin, change, field):
    data = {"title": "Talks", **times(), **change}
    if "ends_at" in change and "starts_at" not in change:
        data["starts_at"] = timezone.now() + timedelta(days=2)
    with pytest.raises(ValidationError) as caught:
        sessions.session_create(actor=admin, **data)
    assert field in caught.value.message_dict
    assert not LiveSession.objects.exists() and not AuditEntry.objects.exists()


def test_observers_cannot_organise_or_moderate(admin, make_user):
    with pytest.raises(ValidationError) as caught:
        sessions.session_create(actor=admin, title="Talks", moderators=[make_user(role="observer")], **times())
    assert "moderators" in caught.value.message_dict


def test_members_may_not_create(member):
    with pytest.raises(PermissionDenied):
        sessions.session_create(actor=member, title="Talks", **times())
    assert not LiveSession.objects.exists()


def test_update_records_what_changed_and_lets_the_reminder_go_again(admin, make_session):
    session = make_session(state="scheduled", organisers=[admin], **{"starts_at": timezone.now() + timedelta(days=1)})
    LiveSession.objects.filter(pk=session.pk).update(reminder_sent_at=timezone.now())
    new_start = session.starts_at + timedelta(hours=3)
    sessions.session_update(actor=admin, session=session, title="New title", starts_at=new_start,
                            ends_at=new_start + timedelta(hours=1))
    session.refresh_from_db()
    assert session.title == "New title" and session.reminder_sent_at is None
    entry = AuditEntry.objects.get(verb="live_session.update")
    assert set(entry.data["changed"]) == {"title", "starts_at", "ends_at"}


def test_the_off_the_record_rule_cannot_change_once_the_session_started(admin, make_session):
    session = make_session(state="open", off_the_record=True)
    with pytest.raises(ValidationError) as caught:
        sessions.session_update(actor=admin, session=session, off_the_record=False)
    assert "off_the_record" in caught.value.message_dict
    assert LiveSession.objects.get(pk=session.pk).off_the_record


def test_a_closed_session_cannot_change(admin, make_session):
    session = make_session(state="closed")
    with pytest.raises(ValidationError, match="closed"):
        sessions.session_update(actor=admin, session=session, title="Later")


def test_members_and_other_organisers_may_not_update(member, make_session, make_user, give_mfa):
    session = make_session()
    with pytest.raises(PermissionDenied):
        sessions.session_update(actor=member, session=session, title="Mine now")
    stranger = give_mfa(make_user(role="member"))
    make_session(organisers=[stranger])
    with pytest.raises((PermissionDenied, Http404)):
        sessions.session_update(actor=stranger, session=session, title="Mine now")
    assert LiveSession.objects.get(pk=session.pk).title == session.title


def test_observer_invitations_are_for_running_observer_accounts_of_open_sessions(admin, make_session, make_user,
                                                                                  member):
    session = make_session(organisers=[admin])
    observer = make_user(role="observer")
    sessions.session_observer_invite(actor=admin, session=session, user=observer)
    sessions.session_observer_invite(actor=admin, session=session, user=observer)  # idempotent
    assert ObserverGrant.objects.filter(user=observer, scope="session", object_id=session.pk).count() == 1
    assert list(sessions.session_observers(session)) == [observer]
    with pytest.raises(ValidationError):
        sessions.session_observer_invite(actor=admin, session=session, user=member)
    with pytest.raises(ValidationError):
        sessions.session_observer_invite(actor=admin, session=session, user=make_user(role="observer",
                                                                                        access_days=-1))
    closed = make_session(state="closed", organisers=[admin])
    with pytest.raises(ValidationError, match="closed"):
        sessions.session_observer_invite(actor=admin, session=closed, user=observer)
    assert sessions.session_observer_revoke(actor=admin, session=session, user=observer)
    assert not ObserverGrant.objects.exists()


def test_members_may_not_invite_observers(member, make_session, make_user):
    session = make_session()
    with pytest.raises(PermissionDenied):
        sessions.session_observer_invite(actor=member, session=session, user=make_user(role="observer"))
    assert not ObserverGrant.objects.exists()


def test_members_who_lose_the_session_are_told_so_their_sockets_check_again(admin, make_session, make_user,
                                                                            make_organisation, broadcasts,
                                                                            django_capture_on_commit_callbacks):
    from forum.core import realtime

    kept_org, dropped_org = make_organisation(), make_organisation()
    kept, dropped = make_user(role="member", organisation=kept_org), make_user(role="member", organisation=dropped_org)
    session = make_session(organisers=[admin], audience="organisations", organisations=[kept_org, dropped_org])
    new_moderator = make_user(role="member")
    with django_capture_on_commit_callbacks(execute=True):
        sessions.session_update(actor=admin, session=session, organisations=[kept_org], moderators=[new_moderator])
    told = {group for group, frame in broadcasts if frame.get("type") == "accounts.access.changed"}
    assert told == {realtime.user_group(dropped.pk), realtime.user_group(new_moderator.pk)}
    assert realtime.user_group(kept.pk) not in told
