"""The consultation and its synthesis as Markdown and CSV, for the reader who asks (what they may
read: a hidden position's text only for the category's moderators; a position held for review is no
part of the record until approved, for anyone)."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from . import permissions, selectors
from .models import Consultation, Stance


def _formula_safe(value: str) -> str:
    """A cell a spreadsheet would run as a formula is prefixed with a quote (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def consultation_markdown(*, actor, consultation: Consultation) -> str:
    permissions.check_export_consultation(actor, consultation)
    data = selectors.comparison(consultation=consultation, viewer=actor, published_only=True)
    labels = dict(Stance.choices)
    subs = list(consultation.sub_questions.all())
    # Labels are read into names first: gettext's extractor does not look inside f-strings.
    deadline_label, responded_label, positions_label = _("Deadline"), _("Organisations that responded"), _("Positions")
    stance_label, signed_label = _("Stance"), _("Signed by")
    not_yet_label, synthesis_label, hidden_label = _("Not yet responded"), _("Synthesis"), _("Hidden by moderators.")
    lines = [f"# {consultation.thread.title}", "", consultation.question, ""]
    for sub in subs:
        lines.append(f"{sub.number}. {sub.text}")
    lines += ["", f"{deadline_label}: {consultation.deadline:%Y-%m-%d %H:%M} UTC",
              f"{responded_label}: {data.responded} / {data.expected}", ""]
    lines += [f"## {positions_label}", ""]
    for p in data.positions:
        lines.append(f"### {p.organisation.name}")
        if p.shown_stance == selectors.HIDDEN:
            lines += ["", hidden_label, ""]
            continue
        lines += ["", f"**{stance_label}:** {labels[p.stance]}", "",
                  f"**{signed_label}:** {p.signed_by.public_name}, {p.updated_at:%Y-%m-%d %H:%M} UTC", "",
                  p.source, ""]
        for sub in subs:
            answer = p.answers.get(str(sub.number))
            if answer:
                lines += [f"**{sub.number}. {sub.text}**", "", answer, ""]
    if data.not_yet:
        lines += [f"## {not_yet_label}", ""] + [f"- {o.name}" for o in data.not_yet] + [""]
    if consultation.synthesis_published_at:
        lines += [f"## {synthesis_label}", "", consultation.synthesis_source, ""]
    return "\n".join(lines).rstrip() + "\n"


def consultation_csv(*, actor, consultation: Consultation) -> str:
    permissions.check_export_consultation(actor, consultation)
    data = selectors.comparison(consultation=consultation, viewer=actor, published_only=True)
    subs = list(consultation.sub_questions.all())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["organisation", "stance", "signed_by", "submitted_at", "revised_at", "revisions", "text",
                     *[f"answer_{s.number}" for s in subs]])
    for p in data.positions:
        if p.shown_stance == selectors.HIDDEN:
            writer.writerow([_formula_safe(p.organisation.name), selectors.HIDDEN, "", "", "", "", ""]
                            + [""] * len(subs))
            continue
        writer.writerow([_formula_safe(p.organisation.name), p.stance, _formula_safe(p.signed_by.public_name),
                         p.created_at.isoformat(), p.updated_at.isoformat(), p.revision_count,
                         _formula_safe(p.source), *[_formula_safe(p.answers.get(str(s.number), "")) for s in subs]])
    for o in data.not_yet:
        writer.writerow([_formula_safe(o.name), "", "", "", "", 0, ""] + [""] * len(subs))
    if consultation.synthesis_published_at:
        writer.writerow(["synthesis", "", _formula_safe(consultation.synthesis_by.public_name
                                                        if consultation.synthesis_by else ""),
                         consultation.synthesis_published_at.isoformat(), "", "",
                         _formula_safe(consultation.synthesis_source)] + [""] * len(subs))
    return out.getvalue()
