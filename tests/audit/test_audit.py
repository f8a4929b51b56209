"""The audit log: services append entries; the admin shows, searches and filters them, and never
lets anyone add, change or delete one."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import AnonymousUser

from forum.audit.models import AuditEntry
from forum.audit.services import record

pytestmark = pytest.mark.django_db


def test_record_names_actor_action_object_and_reason(make_user, make_organisation):
    actor = make_user(role="admin")
    member = make_user(role="member", organisation=make_organisation(name="N" * 200))
    membership = member.memberships.get()
    assert len(str(membership)) > 200
    entry = record(actor=actor, verb="membership.change", target=membership, reason="typo",
                   data={"fields": ["kind"]})
    entry.refresh_from_db()
    assert entry.actor == actor and entry.verb == "membership.change" and entry.reason == "typo"
    assert entry.target_type == "organisations.membership" and entry.target_id == str(membership.pk)
    assert entry.target_repr == str(membership)[:200]  # cut to the column, never an error
    assert entry.data == {"fields": ["kind"]}


@pytest.mark.parametrize("actor", [None, AnonymousUser()])
def test_the_system_or_an_anonymous_visitor_is_recorded_without_an_actor(actor):
    entry = record(actor=actor, verb="invitation.import")
    assert entry.actor is None and entry.target_type == "" and entry.target_id == ""


@pytest.fixture
def admin_client(client, make_user):
    admin = make_user(role="admin", email="root@example.org")
    TOTP.activate(admin, generate_totp_secret())
    client.force_login(admin)
    client.user = admin
    return client


def test_admin_lists_searches_and_filters_entries(admin_client, make_user):
    record(actor=admin_client.user, verb="post.hide", reason="insults")
    record(actor=admin_client.user, verb="invitation.revoke", reason="wrong address")

    def listed(query):
        response = admin_client.get(f"/admin/audit/auditentry/{query}")
        assert response.status_code == 200
        return [entry.verb for entry in response.context["cl"].result_list]

    assert listed("?q=insults") == ["post.hide"]
    assert listed("?verb=invitation.revoke") == ["invitation.revoke"]
    assert listed("?q=root@example.org") == ["invitation.revoke", "post.hide"]


def test_nobody_adds_changes_or_deletes_an_entry_in_the_admin(admin_client):
    entry = record(actor=admin_client.user, verb="post.hide", reason="insults")
    assert admin_client.get("/admin/audit/auditentry/add/").status_code == 403
    response = admin_client.post(f"/admin/audit/auditentry/{entry.pk}/change/",
                                 {"verb": "nothing.happened", "reason": ""})
    assert response.status_code == 403
    assert admin_client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    response = admin_client.post("/admin/audit/auditentry/", {"action": "delete_selected",
                                                              "_selected_action": [entry.pk], "post": "yes"})
    entry.refresh_from_db()
    assert entry.verb == "post.hide" and entry.reason == "insults"
    assert AuditEntry.objects.count() == 1


def test_a_member_cannot_read_the_audit_log(client, make_user):
    client.force_login(make_user(role="member"))
    assert client.get("/admin/audit/auditentry/").status_code == 403
