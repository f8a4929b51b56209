"""Receivers that tell open sockets when who may see a category changed (connected in
`CategoriesConfig.ready`).

Categories are changed in the Django admin today, with no service of their own, so the change is
caught where it is saved: model signals on `Category` and on its allowed-organisations and
moderators relations. Only a change that can narrow access is announced (visibility, parent,
allowed roles; an organisation or moderator removed; the category deleted), not counters.
"""

from __future__ import annotations

from forum.core import realtime

from . import events
from .models import Category

ACCESS_FIELDS = ("visibility", "parent_id", "allowed_roles")


def _access_state(category) -> dict:
    # From the instance's own values: a field left out of the query (`only()`) is not loaded here.
    return {field: repr(category.__dict__[field]) for field in ACCESS_FIELDS if field in category.__dict__}


def _announce(category_ids) -> None:
    ids = set(category_ids)
    if not ids:
        return
    ids |= set(Category.objects.filter(parent_id__in=ids).values_list("pk", flat=True))
    for category_id in sorted(ids):
        realtime.broadcast_on_commit(events.access_group(category_id), events.access_changed(category_id))


def remember_access(sender, instance, **kwargs) -> None:
    instance._access_state = _access_state(instance)


def category_saved(sender, instance, created, raw=False, **kwargs) -> None:
    before = getattr(instance, "_access_state", {})
    after = instance._access_state = _access_state(instance)
    if created or raw or all(before[field] == after[field] for field in before.keys() & after.keys()):
        return
    _announce([instance.pk])


def category_deleted(sender, instance, **kwargs) -> None:
    # Subcategories go with it (cascade) and get their own post_delete.
    realtime.broadcast_on_commit(events.access_group(instance.pk), events.access_changed(instance.pk))


def category_relation_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action == "pre_clear" and reverse:
        # From the other side (an organisation's or a user's categories), the ids are gone after.
        instance._cleared_categories = set(
            sender.objects.filter(**{sender_field(sender, instance): instance.pk})
            .values_list("category_id", flat=True))
        return
    if action not in ("post_remove", "post_clear"):
        return
    if not reverse:
        _announce([instance.pk])
    elif action == "post_remove":
        _announce(pk_set or [])
    else:
        _announce(getattr(instance, "_cleared_categories", set()))


def sender_field(through, instance) -> str:
    """The through model's column naming `instance` (an organisation or a user)."""
    for field in through._meta.get_fields():
        if getattr(field, "related_model", None) is type(instance):
            return f"{field.name}_id"
    raise LookupError(type(instance).__name__)
