"""Reads of consultations: the list, one consultation for a reader, and its comparison (positions
side by side, counts by stance, who has responded and who not yet, the grid and the timeline) in a
fixed number of queries whatever the number of organisations and positions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.http import Http404

from forum.categories import permissions as categories

from . import permissions
from .models import Consultation, Position, PositionRevision, Stance
from .reminders import representatives_by_organisation

HIDDEN = "hidden"  # the grid's group of positions hidden by moderators
AWAITING = "awaiting"  # the grid's group of positions held for review (seen by their organisation and moderators)


def consultations_for_viewer(*, viewer, limit: int = 50) -> list[Consultation]:
    qs = permissions.visible_consultations(viewer, Consultation.objects.select_related("thread", "thread__category"))
    return list(qs.order_by("-deadline")[:limit])


def consultation_for_viewer(*, consultation_id, viewer) -> Consultation:
    """The consultation, or Http404 (unknown, or not readable by the viewer)."""
    consultation = (Consultation.objects.select_related("thread", "thread__category", "thread__category__parent",
                                                        "synthesis_by")
                    .prefetch_related("sub_questions").filter(pk=consultation_id).first())
    if consultation is None:
        raise Http404
    permissions.check_view_consultation(viewer, consultation)
    return consultation


@dataclass
class GridCell:
    organisation: object
    stance: str  # a Stance value, HIDDEN, or "" (not yet)
    position_id: int | None = None


@dataclass
class Comparison:
    positions: list[Position]  # those shown (after the stance filter)
    counts: dict[str, int]  # per stance (hidden positions under HIDDEN for readers who may not see them)
    responded: int  # published positions: one held for review is no response yet, for anyone
    expected: int
    not_yet: list  # organisations expected to respond that have not
    grid: list[tuple[str, str, list[GridCell]]] = field(default_factory=list)  # (stance, label, cells)
    timeline: list[PositionRevision] = field(default_factory=list)
    stance_filter: str = ""
    moderator: bool = False
    listed: int = 0  # every position this reader sees (the "All" filter)


def _shown_stance(position: Position, moderator: bool) -> str:
    if permissions.is_pending_review(position):
        return AWAITING
    return HIDDEN if position.hidden_at is not None and not moderator else position.stance


def comparison(*, consultation: Consultation, viewer, stance: str = "", published_only: bool = False) -> Comparison:
    """What the consultation page shows `viewer`; `stance` filters the positions shown (an unknown
    value shows all). Hidden positions keep their organisation listed, not their stance or text,
    except for the category's moderators. A position held for review is seen only by its
    organisation's representatives and the category's moderators (`visible_positions`), as
    "awaiting review", and is not counted as a response; `published_only` (the exports) leaves it out."""
    moderator = categories.is_category_moderator(viewer, consultation.thread.category)
    visible = permissions.visible_positions(viewer, consultation)
    if published_only:
        visible = visible.filter(awaiting_review=False)
    positions = list(visible.select_related("organisation", "signed_by").order_by("organisation__name", "pk"))
    for p in positions:
        p.consultation = consultation
        p.shown_stance = _shown_stance(p, moderator)
    by_org = {p.organisation_id: p for p in positions}
    reps = representatives_by_organisation(consultation)
    from forum.organisations.models import Organisation

    expected_orgs = list(Organisation.objects.filter(pk__in=set(reps) | set(by_org)).order_by("name", "pk"))
    not_yet = [o for o in expected_orgs if o.pk not in by_org]
    counts = Counter(p.shown_stance for p in positions)
    labels = dict(Stance.choices)
    groups = [(value, labels[value]) for value in Stance.values]
    from django.utils.translation import gettext as _

    if counts.get(HIDDEN):
        groups.append((HIDDEN, _("Hidden by moderators")))
    if counts.get(AWAITING):
        groups.append((AWAITING, _("Awaiting review")))
    grid = [(value, label, [GridCell(p.organisation, value, p.pk) for p in positions if p.shown_stance == value])
            for value, label in groups]
    timeline = list(PositionRevision.objects.filter(position__in=visible.values("pk"))
                    .select_related("position__organisation").order_by("created_at", "pk"))
    stance = stance if stance in Stance.values else ""
    shown = [p for p in positions if not stance or p.shown_stance == stance]
    return Comparison(positions=shown, counts={value: counts.get(value, 0) for value, _label in groups},
                      responded=sum(1 for p in positions if not p.awaiting_review), expected=len(expected_orgs),
                      not_yet=not_yet, grid=grid, timeline=timeline, stance_filter=stance, moderator=moderator,
                      listed=len(positions))


def own_position(*, consultation: Consultation, viewer) -> Position | None:
    """The viewer's organisation's position, if any."""
    from forum.accounts import permissions as accounts

    org_id = accounts.organisation_id(viewer) if accounts.is_authenticated(viewer) else None
    if org_id is None:
        return None
    position = Position.objects.filter(consultation=consultation, organisation_id=org_id).first()
    if position is not None:
        position.consultation = consultation
    return position


def position_for_viewer(*, consultation: Consultation, position_id, viewer) -> Position:
    position = (Position.objects.select_related("organisation", "signed_by")
                .filter(pk=position_id, consultation=consultation).first())
    if position is None:
        raise Http404
    position.consultation = consultation
    permissions.check_view_position_history(viewer, position)
    return position


def revisions(position: Position) -> list[PositionRevision]:
    return list(position.revisions.select_related("signed_by").order_by("-number"))
