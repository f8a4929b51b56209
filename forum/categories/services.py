"""Every write to categories: create, change, delete, who may read them and who moderates them.

Administrators (with a second factor) do this, in the Django admin today; the admin calls these
functions and saves nothing itself. Each one checks `check_manage_categories` first, validates,
writes in one transaction, writes an audit entry, and, when the change can narrow who may see a
category (visibility, parent, allowed roles; an organisation or a moderator removed; the category
deleted), tells the open sockets showing it and its subcategories after commit
(`categories.access.changed`, see `events.py`), so each checks its reader's access again.
Widening changes and counters are not announced.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from forum.audit.services import record
from forum.core import realtime

from . import events, permissions
from .models import Category

# What an administrator may set on a category (counters are the discussions services').
EDITABLE_FIELDS = ("name", "slug", "description", "parent", "position", "visibility", "allowed_roles",
                   "start_policy", "reply_policy", "is_consultation", "premoderate", "name_ar", "name_fr", "name_en",
                   "description_ar", "description_fr", "description_en")
# Changing one of these can close the category to someone.
ACCESS_FIELDS = ("visibility", "parent", "allowed_roles")


def validate_parent(category: Category | None, parent: Category | None) -> None:
    """Categories are one level deep: `ValidationError` on the `parent` field otherwise."""
    if parent is None:
        return
    if parent.parent_id is not None:
        raise ValidationError(
            {"parent": _("Categories are one level deep: a subcategory cannot hold subcategories.")},
            code="too_deep")
    if category is not None and category.pk and Category.objects.filter(parent_id=category.pk).exists():
        raise ValidationError({"parent": _("This category has subcategories, so it cannot become one.")},
                              code="has_subcategories")


def _announce_access_changed(category_ids) -> None:
    """After commit, the sockets showing these categories (and their subcategories) check again."""
    ids = set(category_ids)
    if not ids:
        return
    ids |= set(Category.objects.filter(parent_id__in=ids).values_list("pk", flat=True))
    for category_id in sorted(ids):
        realtime.broadcast_on_commit(events.access_group(category_id), events.access_changed(category_id))


def _stored(value):
    """An audit-friendly form of a field value (ids for the parent)."""
    if isinstance(value, Category):
        return value.pk
    return value


def _unknown_fields(changes: dict) -> None:
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValueError(f"Not editable through category_update: {', '.join(unknown)}")


@transaction.atomic
def category_create(*, actor, name: str, slug: str, **fields) -> Category:
    """Create a category (organisations and moderators are set with their own services)."""
    permissions.check_manage_categories(actor)
    _unknown_fields(fields)
    category = Category(name=name, slug=slug, **fields)
    validate_parent(None, category.parent)
    category.full_clean()
    category.save()
    record(actor=actor, verb="category.create", target=category,
           data={field: _stored(getattr(category, field)) for field in EDITABLE_FIELDS})
    return category


@transaction.atomic
def category_update(*, actor, category: Category, **changes) -> Category:
    """Change a category's fields (name, position, visibility, policies, parent, ...). Audited with
    the values before and after; a change that can narrow access is announced to open sockets."""
    permissions.check_manage_categories(actor)
    _unknown_fields(changes)
    # Changed on a fresh copy of the row: a refusal leaves the caller's object as it was.
    current = Category.objects.select_for_update().get(pk=category.pk)
    changed = {}
    for field, value in changes.items():
        before = getattr(current, field)
        if _stored(before) != _stored(value):
            changed[field] = (_stored(before), _stored(value))
            setattr(current, field, value)
    if not changed:
        return category
    if "parent" in changed:
        validate_parent(current, current.parent)
    current.full_clean()
    current.save(update_fields=list(changed))
    for field in changed:
        setattr(category, field, getattr(current, field))
    record(actor=actor, verb="category.update", target=current,
           data={field: {"from": before, "to": after} for field, (before, after) in changed.items()})
    if changed.keys() & set(ACCESS_FIELDS):
        _announce_access_changed([category.pk])
    return category


def _relation_set(*, actor, category: Category, relation: str, objects, verb: str) -> tuple[set, set]:
    manager = getattr(category, relation)
    Category.objects.select_for_update().filter(pk=category.pk).values_list("pk").get()
    wanted = {obj.pk for obj in objects}
    present = set(manager.values_list("pk", flat=True))
    added, removed = wanted - present, present - wanted
    if removed:
        manager.remove(*removed)
    if added:
        manager.add(*added)
    if added or removed:
        record(actor=actor, verb=verb, target=category, data={"added": sorted(added), "removed": sorted(removed)})
    if removed:
        _announce_access_changed([category.pk])
    return added, removed


@transaction.atomic
def category_allowed_organisations_set(*, actor, category: Category, organisations) -> tuple[set, set]:
    """Set which organisations may read a restricted category; returns the ids (added, removed)."""
    permissions.check_manage_categories(actor)
    return _relation_set(actor=actor, category=category, relation="allowed_organisations", objects=organisations,
                         verb="category.organisations")


@transaction.atomic
def category_moderators_set(*, actor, category: Category, moderators) -> tuple[set, set]:
    """Set who moderates the category (and its subcategories); returns the user ids (added, removed)."""
    permissions.check_manage_categories(actor)
    return _relation_set(actor=actor, category=category, relation="moderators", objects=moderators,
                         verb="category.moderators")


@transaction.atomic
def category_delete(*, actor, category: Category) -> None:
    """Delete a category with its subcategories and their threads (the admin asks first)."""
    permissions.check_manage_categories(actor)
    ids = {category.pk, *Category.objects.filter(parent_id=category.pk).values_list("pk", flat=True)}
    record(actor=actor, verb="category.delete", target=category,
           data={"name": category.name, "slug": category.slug, "categories": sorted(ids)})
    for category_id in sorted(ids):
        realtime.broadcast_on_commit(events.access_group(category_id), events.access_changed(category_id))
    category.delete()
