"""Receivers that tell a member's open sockets when their organisation standing narrowed (connected in
`OrganisationsConfig.ready`).

`services.membership_remove` announces its own removals; the Django admin also deletes and edits
memberships (the organisation page's inline, the membership list) and deactivates organisations
without a service, so those changes are caught where they are saved. A member's open sockets then
check access again: categories open to their organisation or to representatives may be closed to
them now. Widening changes (a membership created) are not announced.
"""

from __future__ import annotations

from forum.accounts import services as accounts_services

from .models import Membership, Organisation


def remember_membership(sender, instance, **kwargs) -> None:
    instance._access_state = (instance.__dict__.get("user_id"), instance.__dict__.get("organisation_id"),
                              instance.__dict__.get("kind"))


def membership_saved(sender, instance, created, raw=False, **kwargs) -> None:
    before = getattr(instance, "_access_state", None)
    remember_membership(sender, instance)
    if created or raw or before is None or before == instance._access_state:
        return
    for user_id in {before[0], instance.user_id} - {None}:
        accounts_services.access_changed(user_id=user_id, reason="membership")


def membership_deleted(sender, instance, **kwargs) -> None:
    accounts_services.access_changed(user_id=instance.user_id, reason="membership")


def remember_organisation(sender, instance, **kwargs) -> None:
    instance._was_active = instance.__dict__.get("active")


def organisation_saved(sender, instance, created, raw=False, **kwargs) -> None:
    was_active = getattr(instance, "_was_active", None)
    instance._was_active = instance.active
    if created or raw or not (was_active and not instance.active):
        return
    for user_id in Membership.objects.filter(organisation=instance).values_list("user_id", flat=True):
        accounts_services.access_changed(user_id=user_id, reason="membership")


def connect() -> None:
    from django.db.models.signals import post_delete, post_init, post_save

    post_init.connect(remember_membership, sender=Membership, dispatch_uid="organisations-membership-init")
    post_save.connect(membership_saved, sender=Membership, dispatch_uid="organisations-membership-saved")
    post_delete.connect(membership_deleted, sender=Membership, dispatch_uid="organisations-membership-deleted")
    post_init.connect(remember_organisation, sender=Organisation, dispatch_uid="organisations-org-init")
    post_save.connect(organisation_saved, sender=Organisation, dispatch_uid="organisations-org-saved")
