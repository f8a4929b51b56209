"""The categories services: administrators with a second factor only, validated, audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from forum.accounts.permissions import SecondFactorRequired
from forum.audit.models import AuditEntry
from forum.categories import services
from forum.categories.models import Category


@pytest.fixture
def admin(make_user, give_mfa):
    return give_mfa(make_user(role="admin"))


def test_create_and_update_are_audited_with_what_changed(admin, make_category):
    parent = make_category()
    category = services.category_create(actor=admin, name="Water", slug="water", parent=parent,
                                        visibility="restricted", allowed_roles=["representative"])
    entry = AuditEntry.objects.get(verb="category.create")
    assert (entry.actor, entry.target_id) == (admin, str(category.pk))
    assert entry.data["parent"] == parent.pk and entry.data["visibility"] == "restricted"
    services.category_update(actor=admin, category=category, name="Water and sanitation", visibility="restricted",
                             reply_policy="representatives")
    entry = AuditEntry.objects.get(verb="category.update")
    assert entry.data == {"name": {"from": "Water", "to": "Water and sanitation"},
                          "reply_policy": {"from": "members", "to": "representatives"}}
    stored = Category.objects.get(pk=category.pk)
    assert (stored.name, stored.reply_policy) == ("Water and sanitation", "representatives")
    services.category_update(actor=admin, category=stored, name="Water and sanitation")  # nothing changes
    assert AuditEntry.objects.filter(verb="category.update").count() == 1


@pytest.mark.parametrize("role", ["member", "moderator", "representative"])
def test_only_administrators_manage_categories(make_user, give_mfa, make_category, make_organisation, role):
    user = give_mfa(make_user(role=role))
    category = make_category(moderators=[user] if role == "moderator" else [])
    for attempt in (
        lambda: services.category_create(actor=user, name="New", slug="new"),
        lambda: services.category_update(actor=user, category=category, visibility="restricted"),
        lambda: services.category_allowed_organisations_set(actor=user, category=category,
                                                            organisations=[make_organisation()]),
        lambda: services.category_moderators_set(actor=user, category=category, moderators=[user]),
        lambda: services.category_delete(actor=user, category=category),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    category.refresh_from_db()
    assert category.visibility == "members" and not category.allowed_organisations.exists()
    assert not Category.objects.filter(slug="new").exists()
    assert not AuditEntry.objects.filter(verb__startswith="category.").exists()


def test_an_administrator_without_a_second_factor_is_told_to_enrol(make_user, make_category):
    admin = make_user(role="admin")
    category = make_category()
    with pytest.raises(SecondFactorRequired):
        services.category_update(actor=admin, category=category, visibility="restricted")
    category.refresh_from_db()
    assert category.visibility == "members"


def test_bad_input_is_refused_with_a_reason_and_changes_nothing(admin, make_category):
    parent = make_category()
    child = make_category(parent=parent)
    other = make_category()
    with pytest.raises(ValidationError) as refused:
        services.category_update(actor=admin, category=other, parent=child, name="Moved")
    assert "one level deep" in refused.value.message_dict["parent"][0]
    with pytest.raises(ValidationError) as refused:
        services.category_update(actor=admin, category=parent, parent=other)
    assert "has subcategories" in refused.value.message_dict["parent"][0]
    with pytest.raises(ValidationError) as refused:
        services.category_update(actor=admin, category=other, visibility="secret")
    assert "visibility" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.category_create(actor=admin, name="Clash", slug=other.slug)
    other.refresh_from_db()
    assert (other.parent_id, other.name, other.visibility) == (None, other.name, "members")
    assert not other.name == "Moved"
    assert not AuditEntry.objects.filter(verb__startswith="category.").exists()


def test_organisations_and_moderators_are_set_and_audited(admin, make_category, make_organisation, make_user):
    category = make_category(visibility="restricted")
    kept, dropped, added = make_organisation(), make_organisation(), make_organisation()
    services.category_allowed_organisations_set(actor=admin, category=category, organisations=[kept, dropped])
    services.category_allowed_organisations_set(actor=admin, category=category, organisations=[kept, added])
    assert set(category.allowed_organisations.all()) == {kept, added}
    last = AuditEntry.objects.filter(verb="category.organisations").first()
    assert last.data == {"added": [added.pk], "removed": [dropped.pk]}
    moderator = make_user(role="member")
    services.category_moderators_set(actor=admin, category=category, moderators=[moderator])
    assert list(category.moderators.all()) == [moderator]
    assert AuditEntry.objects.get(verb="category.moderators").data == {"added": [moderator.pk], "removed": []}
    services.category_moderators_set(actor=admin, category=category, moderators=[moderator])  # no change
    assert AuditEntry.objects.filter(verb="category.moderators").count() == 1


def test_a_new_moderator_may_use_the_powers_at_once(admin, make_category, make_user, give_mfa):
    from forum.categories import permissions

    category = make_category(visibility="restricted")
    moderator = give_mfa(make_user(role="member"))
    assert not permissions.can_view_category(moderator, category)
    services.category_moderators_set(actor=admin, category=category, moderators=[moderator])
    assert permissions.is_category_moderator(moderator, category)
    services.category_moderators_set(actor=admin, category=category, moderators=[])
    assert not permissions.can_view_category(moderator, category)


def test_delete_is_audited_and_takes_the_subcategories(admin, make_category):
    parent = make_category()
    child = make_category(parent=parent)
    ids = [parent.pk, child.pk]
    services.category_delete(actor=admin, category=parent)
    assert not Category.objects.filter(pk__in=ids).exists()
    entry = AuditEntry.objects.get(verb="category.delete")
    assert entry.data["categories"] == sorted(ids)
