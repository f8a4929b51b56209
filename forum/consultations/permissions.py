"""Who may create consultations, submit and revise positions, read their history, publish the
synthesis, export, and flag or hide positions.

Actions of this app (the authorisation matrix walks every one):
- `view_consultation`: read a consultation, its positions and its synthesis (whoever may read its
  thread: `forum.discussions.permissions.check_view_thread`).
- `create_consultation`: open one in a category (administrators and global moderators who may
  start a thread there, with a second factor).
- `submit_position`: a representative of an active organisation, in good standing, with a second
  factor (like speaking for the organisation anywhere), before the deadline, in a thread that is not
  locked and a category where they are not muted; members, observers and moderators without an
  organisation are refused.
- `view_position`: whoever reads the consultation; a position held for review before it was shown
  (`awaiting_review`) only its organisation's representatives and the category's moderators (for
  anyone else it does not exist: Http404). `visible_positions` is its queryset form.
- `revise_position`: the same as submitting, for their own organisation's position, while it is not
  hidden (a position awaiting review may be revised: it stays held).
- `view_position_history`: whoever may see the position; a hidden position's history only for the
  category's moderators (and, while it awaits review, its organisation's representatives).
- `publish_synthesis`: after the deadline, administrators and the moderators designated as the
  consultation's organisers (with a second factor).
- `export_consultation`: whoever reads the consultation (Markdown and CSV).
- `report_position`: flag a position for the moderators (a reader in good standing who is not of
  the organisation that wrote it; not once hidden). `forum.moderation` adds its own rules.
- `hide_position`: hide a position from readers or show it again (moderators of the category).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.accounts import permissions as accounts
from forum.categories import permissions as categories
from forum.discussions import permissions as discussions

from .models import Consultation, Position

ACTIONS = (
    "view_consultation", "view_position", "create_consultation", "submit_position", "revise_position",
    "view_position_history", "publish_synthesis", "export_consultation", "report_position", "hide_position",
)


def check_view_consultation(user, consultation: Consultation) -> None:
    discussions.check_view_thread(user, consultation.thread)


def visible_consultations(user, qs=None):
    """Queryset form of check_view_consultation."""
    qs = Consultation.objects.all() if qs is None else qs
    return qs.filter(thread__in=discussions.visible_threads(user))


def check_create_consultation(user, category=None) -> None:
    accounts.require_good_standing(user)
    if not accounts.is_global_moderator(user):
        raise PermissionDenied(_("Only administrators and moderators can open a consultation."))
    accounts.check_privileged_action(user)
    if category is not None:
        discussions.check_start_thread(user, category)


def is_open(consultation: Consultation, now=None) -> bool:
    return (now or timezone.now()) < consultation.deadline


def check_submit_position(user, consultation: Consultation, organisation=None) -> None:
    """May `user` submit (or revise) the position of `organisation` (default: their own) now?"""
    check_view_consultation(user, consultation)
    accounts.require_good_standing(user)
    if accounts.is_observer(user):
        raise PermissionDenied(_("Observers do not submit positions."))
    if not accounts.is_representative(user):
        raise PermissionDenied(_("Only a representative of an organisation can submit its position."))
    org_id = getattr(organisation, "pk", organisation)
    if org_id is not None and org_id != accounts.organisation_id(user):
        raise PermissionDenied(_("You can only submit or revise your own organisation's position."))
    if not is_open(consultation):
        raise PermissionDenied(_("The deadline has passed: positions can no longer be submitted or revised."))
    thread = consultation.thread
    if thread.locked:
        raise PermissionDenied(_("This consultation is locked."))
    if accounts.is_muted(user, scope="category", object_id=thread.category_id):
        raise PermissionDenied(_("You are muted in this category: you can read but not write."))
    accounts.check_privileged_action(user)


def is_pending_review(position: Position) -> bool:
    """Held before it was shown and not yet decided (a rejected one is hidden under a rule instead)."""
    return position.awaiting_review and bool((position.hidden_reason or {}).get("premoderation"))


def _sees_unpublished(user, position: Position) -> bool:
    """Its organisation's representatives and the category's moderators see a position held for review."""
    if categories.is_category_moderator(user, position.consultation.thread.category):
        return True
    return accounts.is_representative(user) and accounts.organisation_id(user) == position.organisation_id


def check_view_position(user, position: Position) -> None:
    check_view_consultation(user, position.consultation)
    if position.awaiting_review and not _sees_unpublished(user, position):
        raise Http404  # not shown yet: nobody else may learn it exists


def visible_positions(user, consultation: Consultation, qs=None):
    """Queryset form of check_view_position, for one consultation the user may read."""
    qs = Position.objects.all() if qs is None else qs
    qs = qs.filter(consultation=consultation)
    if categories.is_category_moderator(user, consultation.thread.category):
        return qs
    seen = Q(awaiting_review=False)
    if accounts.is_representative(user) and accounts.organisation_id(user) is not None:
        seen |= Q(organisation_id=accounts.organisation_id(user))
    return qs.filter(seen)


def check_revise_position(user, position: Position) -> None:
    check_submit_position(user, position.consultation, position.organisation_id)
    if position.hidden_at is not None and not is_pending_review(position):
        raise PermissionDenied(_("This position was hidden by a moderator."))


def check_view_position_history(user, position: Position) -> None:
    consultation = position.consultation
    check_view_position(user, position)
    if position.hidden_at is not None and not (is_pending_review(position) and _sees_unpublished(user, position)):
        categories.check_moderator_power(user, consultation.thread.category,
                                         _("The history of a hidden position is not shown."))


def organiser_ids(consultation: Consultation) -> set[int]:
    """The designated organisers' ids (cached on the object)."""
    found = getattr(consultation, "_organiser_ids", None)
    if found is None:
        found = consultation._organiser_ids = set(consultation.organisers.values_list("pk", flat=True))
    return found


def is_organiser(user, consultation: Consultation) -> bool:
    """An administrator, or a moderator designated as an organiser (role held; the second factor is
    `check_publish_synthesis`'s question)."""
    if not accounts.in_good_standing(user):
        return False
    if accounts.is_admin(user):
        return True
    return (user.pk in organiser_ids(consultation)
            and categories.holds_moderator_role(user, consultation.thread.category))


def check_publish_synthesis(user, consultation: Consultation) -> None:
    check_view_consultation(user, consultation)
    accounts.require_good_standing(user)
    if not is_organiser(user, consultation):
        raise PermissionDenied(_("Only the consultation's organisers can publish its synthesis."))
    accounts.check_privileged_action(user)
    if is_open(consultation):
        raise PermissionDenied(_("The synthesis is published after the deadline."))


def check_export_consultation(user, consultation: Consultation) -> None:
    check_view_consultation(user, consultation)


def check_report_position(user, position: Position) -> None:
    check_view_position(user, position)
    accounts.require_good_standing(user)
    if accounts.organisation_id(user) == position.organisation_id:
        raise PermissionDenied(_("You cannot flag your own organisation's position."))
    if position.hidden_at is not None:
        raise PermissionDenied(_("This position was hidden by a moderator."))


def check_hide_position(user, position: Position) -> None:
    check_view_position(user, position)
    categories.check_moderate_category(user, position.consultation.thread.category)


def allows(check, *args) -> bool:
    """A check as a boolean, for views and templates."""
    try:
        check(*args)
    except (PermissionDenied, Http404):
        return False
    return True
