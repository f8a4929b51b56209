"""The audit log is append-only at the database level on PostgreSQL: a trigger refuses UPDATE and
DELETE of an entry, whatever sends them. With REQUIRE_SERVICES=1 these tests fail, not skip, when
the database is not PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from forum.audit.models import AuditEntry
from forum.audit.services import record
from tests.conftest import require_service

pytestmark = [pytest.mark.django_db, pytest.mark.services]


@pytest.fixture
def on_postgresql():
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


@pytest.fixture
def entry(make_user):
    return record(actor=make_user(role="admin"), verb="post.hide", reason="Insults", data={"before": "text"})


def _refused(attempt) -> bool:
    try:
        with transaction.atomic():
            attempt()
    except DatabaseError as error:
        return "append-only" in str(error)
    return False


def test_the_orm_cannot_update_an_entry(on_postgresql, entry):
    assert _refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(reason="Nothing happened"))
    entry.reason = "Nothing happened"
    assert _refused(entry.save)
    entry.refresh_from_db()
    assert entry.reason == "Insults"


def test_the_orm_cannot_delete_an_entry(on_postgresql, entry):
    assert _refused(lambda: AuditEntry.objects.filter(pk=entry.pk).delete())
    assert _refused(entry.delete)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_raw_sql_cannot_update_or_delete_an_entry(on_postgresql, entry):
    def run(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])

    assert _refused(lambda: run("UPDATE audit_auditentry SET verb = 'nothing' WHERE id = %s"))
    assert _refused(lambda: run("DELETE FROM audit_auditentry WHERE id = %s"))
    entry.refresh_from_db()
    assert entry.verb == "post.hide"


def test_new_entries_are_still_appended(on_postgresql, entry):
    record(actor=None, verb="invitation.import")
    assert AuditEntry.objects.count() == 2


def test_deleting_a_user_keeps_their_entries_and_their_id(on_postgresql, make_user):
    """Users are anonymised, not deleted; should one be deleted anyway (a raw admin operation), the
    log is not rewritten: the actor's id stays, without a foreign key to refuse the deletion."""
    actor = make_user(role="moderator")
    kept = record(actor=actor, verb="post.hide", reason="Insults")
    actor_id = actor.pk
    actor.delete()
    kept = AuditEntry.objects.select_related("actor").get(pk=kept.pk)
    assert kept.actor_id == actor_id and kept.actor is None
