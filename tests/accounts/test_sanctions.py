"""Sanctions, observer grants and role changes through the accounts services: who may, what is
refused (with nothing changed), what is audited, and what the member's standing becomes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from forum.accounts import permissions, services
from forum.accounts.models import ObserverGrant, Restriction
from forum.audit.models import AuditEntry
from forum.categories.models import Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def mfa(enrol_totp):
    def give(user):
        enrol_totp(user)
        permissions.forget(user)
        return user
    return give


@pytest.fixture
def moderator(make_user, mfa):
    return mfa(make_user(role="moderator"))


@pytest.fixture
def admin(make_user, mfa):
    return mfa(make_user(role="admin"))


@pytest.fixture
def category():
    return Category.objects.create(name="Water", slug="water")


def fresh(user):
    permissions.forget(user)
    return user


def test_a_global_moderator_suspends_a_member_who_loses_access_audited(moderator, member):
    ends = timezone.now() + timedelta(days=3)
    restriction = services.restriction_create(actor=moderator, user=member, kind="suspension",
                                              reason="  Repeated insults ", ends_at=ends)
    assert restriction.reason == "Repeated insults" and not restriction.pending_confirmation
    assert permissions.is_suspended(fresh(member)) and not permissions.in_good_standing(member)
    entry = AuditEntry.objects.get(verb="restriction.create")
    assert entry.actor == moderator and entry.reason == "Repeated insults" and entry.scope == ""
    assert entry.data["kind"] == "suspension" and entry.data["user"] == member.pk


def test_a_ban_has_no_end_and_closes_the_site(moderator, member):
    services.restriction_create(actor=moderator, user=member, kind="ban", reason="Doxxing")
    assert permissions.is_suspended(fresh(member))
    assert permissions.access_restriction(member).kind == "ban"
    with pytest.raises(ValidationError) as refusal:
        services.restriction_create(actor=moderator, user=member, kind="ban", reason="Again",
                                    ends_at=timezone.now() + timedelta(days=1))
    assert "ends_at" in refusal.value.error_dict
    assert Restriction.objects.count() == 1


def test_a_warning_takes_nothing_away_and_is_shown_until_acknowledged(moderator, member):
    warning = services.restriction_create(actor=moderator, user=member, kind="warning", reason="Mind the tone")
    member = fresh(member)
    assert permissions.in_good_standing(member) and not permissions.is_muted(member)
    assert permissions.unseen_warnings(member) == [warning]
    with pytest.raises(PermissionDenied):
        services.restriction_mark_seen(actor=moderator, restriction=warning)
    services.restriction_mark_seen(actor=member, restriction=warning)
    assert permissions.unseen_warnings(fresh(member)) == []


def test_a_category_moderator_mutes_in_their_category_and_its_subcategories_only(make_user, mfa, member, category):
    sub = Category.objects.create(name="Wells", slug="wells", parent=category)
    elsewhere = Category.objects.create(name="Other", slug="other")
    appointed = mfa(make_user(role="member"))
    category.moderators.add(appointed)
    services.restriction_create(actor=appointed, user=member, kind="mute", scope="category",
                                object_id=sub.pk, reason="Off topic")
    assert permissions.is_muted(fresh(member), scope="category", object_id=sub.pk)
    assert AuditEntry.objects.get(verb="restriction.create").scope == f"category:{sub.pk}"
    for scope, object_id in (("category", elsewhere.pk), ("site", None)):
        with pytest.raises(PermissionDenied):
            services.restriction_create(actor=appointed, user=member, kind="mute", scope=scope,
                                        object_id=object_id, reason="Off topic")
    assert Restriction.objects.count() == 1 and AuditEntry.objects.count() == 1


@pytest.mark.parametrize("who", ["member", "observer", "representative"])
def test_people_without_a_moderators_role_cannot_restrict(make_user, member, who):
    actor = make_user(role=who)
    with pytest.raises(PermissionDenied):
        services.restriction_create(actor=actor, user=member, kind="mute", reason="x")
    assert not Restriction.objects.exists() and not AuditEntry.objects.exists()


def test_a_moderator_without_a_second_factor_is_told_to_enrol(make_user, member):
    with pytest.raises(permissions.SecondFactorRequired):
        services.restriction_create(actor=make_user(role="moderator"), user=member, kind="mute", reason="x")
    assert not Restriction.objects.exists()


def test_nobody_restricts_themselves_and_only_admins_restrict_moderators(moderator, admin, make_user, mfa):
    other_moderator = mfa(make_user(role="moderator"))
    with pytest.raises(PermissionDenied, match="your own account"):
        services.restriction_create(actor=moderator, user=moderator, kind="mute", reason="x")
    with pytest.raises(PermissionDenied, match="Only administrators"):
        services.restriction_create(actor=moderator, user=other_moderator, kind="mute", reason="x")
    services.restriction_create(actor=admin, user=other_moderator, kind="mute", reason="Leaked a report")
    assert Restriction.objects.count() == 1


@pytest.mark.parametrize(("changes", "field"), [
    ({"kind": "exile"}, "kind"),
    ({"scope": "planet"}, "scope"),
    ({"scope": "category", "object_id": None}, "scope"),
    ({"scope": "site", "object_id": 3}, "scope"),
    ({"scope": "category", "object_id": 999999}, "object_id"),
    ({"reason": "   "}, "reason"),
    ({"kind": "warning", "ends_at": timezone.now() + timedelta(days=1)}, "ends_at"),
    ({"ends_at": timezone.now() - timedelta(days=1)}, "ends_at"),
])
def test_bad_input_is_refused_by_field_and_changes_nothing(moderator, member, changes, field):
    arguments = {"kind": "mute", "reason": "Spam", "scope": "site", "object_id": None, **changes}
    with pytest.raises(ValidationError) as refusal:
        services.restriction_create(actor=moderator, user=member, **arguments)
    assert field in refusal.value.error_dict
    assert not Restriction.objects.exists() and not AuditEntry.objects.exists()


def test_suspending_a_representative_waits_for_a_second_moderator(moderator, make_user, mfa, make_organisation):
    representative = make_user(role="representative")
    restriction = services.restriction_create(actor=moderator, user=representative, kind="suspension",
                                              reason="Incitement", ends_at=timezone.now() + timedelta(days=7))
    assert restriction.pending_confirmation
    assert permissions.in_good_standing(fresh(representative))  # no effect yet
    with pytest.raises(PermissionDenied, match="Another moderator"):
        services.restriction_confirm(actor=moderator, restriction=restriction)
    restriction.refresh_from_db()
    assert restriction.pending_confirmation and restriction.confirmed_by is None
    second = mfa(make_user(role="moderator"))
    services.restriction_confirm(actor=second, restriction=restriction)
    restriction.refresh_from_db()
    assert not restriction.pending_confirmation and restriction.confirmed_by == second
    assert not permissions.in_good_standing(fresh(representative))
    assert AuditEntry.objects.get(verb="restriction.confirm").data["imposed_by"] == moderator.pk
    with pytest.raises(ValidationError):
        services.restriction_confirm(actor=mfa(make_user(role="moderator")), restriction=restriction)


def test_a_representatives_mute_or_warning_applies_at_once(moderator, make_user):
    representative = make_user(role="representative")
    restriction = services.restriction_create(actor=moderator, user=representative, kind="mute", reason="Heated")
    assert not restriction.pending_confirmation and permissions.is_muted(fresh(representative))


def test_lifting_restores_access_once_and_is_audited(moderator, member):
    restriction = services.restriction_create(actor=moderator, user=member, kind="suspension", reason="Spam")
    services.restriction_lift(actor=moderator, restriction=restriction, reason="Appeal granted")
    services.restriction_lift(actor=moderator, restriction=restriction, reason="twice")
    assert permissions.in_good_standing(fresh(member))
    assert list(AuditEntry.objects.filter(verb="restriction.lift").values_list("reason", flat=True)) == [
        "Appeal granted"]


def test_a_member_cannot_lift_their_own_restriction(moderator, member):
    restriction = services.restriction_create(actor=moderator, user=member, kind="mute", reason="Spam")
    with pytest.raises(PermissionDenied):
        services.restriction_lift(actor=member, restriction=restriction)
    restriction.refresh_from_db()
    assert restriction.lifted_at is None


def test_observer_grants_are_checked_validated_and_audited(admin, moderator, make_user, category):
    observer = make_user(role="observer")
    with pytest.raises(PermissionDenied):
        services.observer_grant(actor=moderator, user=observer, scope="category", object_id=category.pk)
    with pytest.raises(ValidationError):
        services.observer_grant(actor=admin, user=observer, scope="category", object_id=999999)
    assert not ObserverGrant.objects.exists()
    services.observer_grant(actor=admin, user=observer, scope="category", object_id=category.pk)
    services.observer_grant(actor=admin, user=observer, scope="category", object_id=category.pk)  # idempotent
    assert AuditEntry.objects.filter(verb="observer_grant.create").count() == 1
    assert services.observer_revoke(actor=admin, user=observer, scope="category", object_id=category.pk)
    assert not ObserverGrant.objects.exists()


def test_role_change_by_an_admin_with_a_reason(admin, member):
    services.role_change(actor=admin, user=member, role="moderator", reason="Elected")
    member.refresh_from_db()
    assert member.role == "moderator"
    entry = AuditEntry.objects.get(verb="user.role")
    assert entry.data == {"from": {"role": "member", "access_ends_at": None},
                          "to": {"role": "moderator", "access_ends_at": None}} and entry.reason == "Elected"
    services.role_change(actor=admin, user=member, role="admin", reason="Board")
    member.refresh_from_db()
    assert member.is_staff and member.is_superuser
    services.role_change(actor=admin, user=member, role="member", reason="Term ended")
    member.refresh_from_db()
    assert not (member.is_staff or member.is_superuser) and not permissions.is_admin(fresh(member))


@pytest.mark.parametrize(("arguments", "error"), [
    ({"role": "king", "reason": "x"}, ValidationError),
    ({"role": "moderator", "reason": " "}, ValidationError),
    ({"role": "observer", "reason": "Envoy"}, ValidationError),  # an observer needs an end date
])
def test_role_change_refuses_bad_input(admin, member, arguments, error):
    with pytest.raises(error):
        services.role_change(actor=admin, user=member, **arguments)
    member.refresh_from_db()
    assert member.role == "member" and not AuditEntry.objects.exists()


def test_only_admins_change_roles_and_never_their_own(admin, moderator, member):
    with pytest.raises(PermissionDenied):
        services.role_change(actor=moderator, user=member, role="moderator", reason="x")
    with pytest.raises(PermissionDenied):
        services.role_change(actor=admin, user=admin, role="member", reason="x")
    admin.refresh_from_db()
    assert admin.role == "admin" and not AuditEntry.objects.exists()


def test_a_session_moderator_mutes_in_their_session_only(make_user, member):
    from forum.live.models import LiveSession

    now = timezone.now()
    session = LiveSession.objects.create(title="Water and the city", starts_at=now, ends_at=now + timedelta(hours=1))
    other = LiveSession.objects.create(title="Elections", starts_at=now, ends_at=now + timedelta(hours=1))
    host = make_user(role="member")
    session.moderators.add(host)
    services.restriction_create(actor=host, user=member, kind="mute", scope="session", object_id=session.pk,
                                reason="Flooding the chat")
    assert permissions.is_muted(fresh(member), scope="session", object_id=session.pk)
    assert not permissions.is_muted(member, scope="session", object_id=other.pk)
    assert AuditEntry.objects.get(verb="restriction.create").scope == f"session:{session.pk}"
    with pytest.raises(PermissionDenied):
        services.restriction_create(actor=host, user=member, kind="mute", scope="session", object_id=other.pk,
                                    reason="x")


def test_the_place_named_must_be_a_category_not_another_row_with_that_number(moderator, member):
    # A user with this number exists; no category does (the place is looked up in the right table).
    with pytest.raises(ValidationError):
        services.restriction_create(actor=moderator, user=member, kind="mute", scope="category",
                                    object_id=member.pk, reason="x")
