"""Live events of consultations: group names from ids, payload builders, type constants.

An open consultation page joins `consultations.<id>` (through `ws/consultations/<id>/`) and, on
any of these events, fetches its comparison again (the page decides what each reader may see)."""

from __future__ import annotations

POSITION_CHANGED = "consultations.position.changed"
SYNTHESIS_PUBLISHED = "consultations.synthesis.published"


def consultation_group(consultation_id: int) -> str:
    return f"consultations.{int(consultation_id)}"


def position_changed(position) -> dict:
    return {"type": POSITION_CHANGED, "consultation": position.consultation_id,
            "organisation": position.organisation_id, "revision": position.revision_count}


def synthesis_published(consultation) -> dict:
    return {"type": SYNTHESIS_PUBLISHED, "consultation": consultation.pk}
