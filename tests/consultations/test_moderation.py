"""Positions in the one review queue, like any post: flagged, held after enough flags, hidden by a
moderator of the category, appealed and restored — always through the consultations' own services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from forum.audit.models import AuditEntry
from forum.consultations.models import Position
from forum.moderation import selectors as moderation_selectors
from forum.moderation import services as moderation
from forum.moderation.models import Flag, ReviewItem, Rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def position(make_consultation, make_representative, submit):
    return submit(actor=make_representative(), consultation=make_consultation(), source="Our official words")


@pytest.fixture
def rule(db):
    return Rule.objects.create(title_en="No personal attacks", title_ar="لا هجمات شخصية", title_fr="Pas d'attaques")


def _flag_url(position):
    return reverse("moderation:flag", kwargs={"kind": "position", "item_id": position.pk})


def test_a_reader_flags_a_position_into_the_queue(client, position, make_user, give_mfa):
    reader = make_user(role="member")
    client.force_login(reader)
    page = client.get(_flag_url(position))
    assert page.status_code == 200 and "Our official words" in page.content.decode()
    response = client.post(_flag_url(position), {"reason": "harassment"})
    assert response.status_code == 302
    item = ReviewItem.objects.get(kind="position", object_id=position.pk)
    assert item.category_id == position.consultation.thread.category_id and item.author_id == position.signed_by_id
    assert Flag.objects.filter(item=item, reporter=reader).exists()
    moderator = give_mfa(make_user(role="moderator"))
    entries = moderation_selectors.queue_for_moderator(viewer=moderator, filters=moderation_selectors.QueueFilters())
    entry = next(e for e in entries if e.item.pk == item.pk)
    assert entry.content == position and "Our official words" in entry.excerpt
    assert entry.url.endswith(f"#position-{position.pk}") and entry.title == position.consultation.thread.title


def test_the_organisation_that_wrote_it_cannot_flag_it_and_forged_ids_are_not_found(client, position, make_user):
    colleague = make_user(role="member", organisation=position.organisation)
    client.force_login(colleague)
    assert client.post(_flag_url(position), {"reason": "spam"}).status_code == 403
    forged = reverse("moderation:flag", kwargs={"kind": "position", "item_id": 999999})
    assert client.post(forged, {"reason": "spam"}).status_code == 404
    assert not ReviewItem.objects.exists()


def test_enough_flags_hold_the_position_pending_review(position, make_user, settings):
    settings.FORUM_MODERATION_AUTO_HIDE_FLAGGERS = 2
    for _ in range(2):
        moderation.flag_create(actor=make_user(role="member"), kind="position", object_id=position.pk, reason="spam")
    position.refresh_from_db()
    assert position.hidden_at is not None and position.hidden_reason == {"pending": True}
    assert AuditEntry.objects.filter(verb="position.hold", target_id=str(position.pk)).exists()


def test_a_moderator_hides_it_the_author_appeals_and_another_restores_it(client, position, make_user, give_mfa, rule):
    moderation.flag_create(actor=make_user(role="member"), kind="position", object_id=position.pk, reason="harassment")
    item = ReviewItem.objects.get(kind="position", object_id=position.pk)
    first, second = give_mfa(make_user(role="moderator")), give_mfa(make_user(role="admin"))
    action = moderation.item_act(actor=first, item=item, kind="hide", rule=rule)
    position.refresh_from_db()
    assert position.hidden_at is not None and position.hidden_reason["en"] == "No personal attacks"
    assert AuditEntry.objects.filter(verb="position.hide", actor=first).exists()
    reader = make_user(role="member")
    client.force_login(reader)
    page = client.get(position.consultation.get_absolute_url()).content.decode()
    assert "Our official words" not in page and position.organisation.name in page
    appeal = moderation.appeal_create(actor=position.signed_by, action=action, statement="It is our position")
    moderation.appeal_decide(actor=second, appeal=appeal, outcome="overturned")
    position.refresh_from_db()
    assert position.hidden_at is None
    assert AuditEntry.objects.filter(verb="position.unhide", actor=second).exists()


def test_a_member_cannot_hide_a_position(position, make_user):
    from django.core.exceptions import PermissionDenied

    from forum.consultations import services

    with pytest.raises(PermissionDenied):
        services.position_hide(actor=make_user(role="member"), position=position, reason="x")
    assert Position.objects.get(pk=position.pk).hidden_at is None
