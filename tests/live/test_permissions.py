"""What `you` tells the socket, and rules the matrix does not spell out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from forum.accounts import permissions as accounts
from forum.accounts.models import Restriction
from forum.live import permissions
from forum.live.errors import RoomError, RoomSecondFactorRequired

pytestmark = pytest.mark.django_db


def test_you_for_a_member(make_session, member):
    session = make_session()
    assert permissions.you(member, session) == {
        "id": member.pk, "send": True, "ask": True, "vote": True, "moderate": False, "muted": False,
        "muted_until": None, "observer": False, "flag": True}


def test_you_for_a_muted_member_says_until_when(make_session, member):
    session = make_session()
    ends = timezone.now() + timedelta(minutes=10)
    Restriction.objects.create(user=member, kind="mute", scope="session", object_id=session.pk, reason="x",
                               ends_at=ends)
    accounts.forget(member)
    you = permissions.you(member, session)
    assert (you["send"], you["ask"], you["vote"], you["muted"]) == (False, False, False, True)
    assert you["muted_until"] == ends.isoformat()
    other = make_session()  # a mute in one room is not a mute in another
    assert permissions.you(member, other)["send"] is True


def test_an_expired_mute_no_longer_holds(make_session, member):
    session = make_session()
    Restriction.objects.create(user=member, kind="mute", scope="session", object_id=session.pk, reason="x",
                               ends_at=timezone.now() - timedelta(seconds=1))
    assert permissions.you(member, session)["send"] is True


def test_you_for_a_granted_observer(make_session, make_user):
    from forum.accounts.models import ObserverGrant

    session = make_session()
    observer = make_user(role="observer")
    ObserverGrant.objects.create(user=observer, scope="session", object_id=session.pk)
    you = permissions.you(observer, session)
    assert (you["send"], you["ask"], you["vote"], you["observer"]) == (False, True, True, True)


def test_you_for_a_session_moderator(make_session, session_moderator):
    session = make_session(read_only=True)
    you = permissions.you(session_moderator(session), session)
    assert you["moderate"] and you["send"]
    assert not permissions.you(session_moderator(session, mfa=False), session)["moderate"]


def test_a_session_moderator_without_mfa_deleting_anothers_message_is_told_to_enrol(make_session, member, say,
                                                                                    session_moderator):
    session = make_session()
    msg = say(session, member)
    with pytest.raises(RoomSecondFactorRequired):
        permissions.check_delete_message(session_moderator(session, mfa=False), msg)


def test_observer_access_ends_when_the_session_closes(make_session, make_user):
    from forum.accounts.models import ObserverGrant

    session = make_session()
    observer = make_user(role="observer")
    ObserverGrant.objects.create(user=observer, scope="session", object_id=session.pk)
    assert permissions.can_view_session(observer, session)
    session.state = "closed"
    assert not permissions.can_view_session(observer, session)


def test_errors_carry_a_known_code_and_a_frame():
    error = RoomError("slow_mode", retry_after=12)
    assert error.as_frame(client_id="c1") == {"type": "error", "code": "slow_mode", "message": str(error.message),
                                              "retry_after": 12, "client_id": "c1"}
    with pytest.raises(ValueError):
        RoomError("no_such_code")
