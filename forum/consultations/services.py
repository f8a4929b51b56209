"""Every write of consultations: open one, submit or revise a position, publish the synthesis, and
the moderation of positions (hold before it is shown, approve, hide, show again, hold pending review).
Each checks first, writes in one transaction, audits, and tells open pages after commit."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.accounts import permissions as accounts
from forum.audit.services import record, scope_key
from forum.categories import permissions as categories
from forum.core import bidi, conf, realtime, richtext, screening
from forum.discussions import services as discussions
from forum.discussions import signals as discussion_signals

from . import events, permissions, signals
from .models import Consultation, Position, PositionRevision, Stance, SubQuestion

MAX_SUB_QUESTIONS = 10
MAX_QUESTION_CHARS = 2000
MAX_SUB_QUESTION_CHARS = 500
MAX_ANSWER_CHARS = 5000
PENDING_REVIEW = {"pending": True}
# What a position held before it was shown knows (`hidden_reason`): its representatives read "awaiting review".
AWAITING_REVIEW = {"premoderation": True}


def _scope(consultation: Consultation) -> str:
    return scope_key("category", consultation.thread.category_id)


def _opening_text(question: str, sub_questions: list[str], url: str) -> str:
    lines = [question, ""]
    lines += [f"{n}. {text}" for n, text in enumerate(sub_questions, start=1)]
    if sub_questions:
        lines.append("")
    # The thread's readers find the positions and the form from its opening post (links are ours).
    label = _("Positions of the organisations")
    lines.append(f"[{label}]({url})")
    return "\n".join(lines)


def _clean_organisers(organisers, category) -> list:
    """The chosen organisers, each of whom must hold the moderator role for `category` (a site
    moderator, or one of the category's own); else a ValidationError naming who may not."""
    from django.contrib.auth import get_user_model

    ids = {getattr(person, "pk", person) for person in organisers}
    chosen = list(get_user_model().objects.filter(pk__in=ids)) if ids else []
    refused = [person for person in chosen if not categories.holds_moderator_role(person, category)]
    if refused or len(chosen) != len(ids):
        names = ", ".join(bidi.isolate(person.public_name) for person in refused) or _("an unknown person")
        raise ValidationError({"organisers": _("Only moderators of this category (or of the whole site) can "
                                               "be organisers: %(names)s cannot.") % {"names": names}},
                              code="organiser")
    return chosen


def _clean_question(question: str | None, sub_questions, deadline: datetime | None) -> tuple[str, list[str]]:
    errors: dict[str, list[str]] = {}
    question = (question or "").replace("\r\n", "\n").strip()
    if not question:
        errors["question"] = [_("Write the question the organisations are asked.")]
    elif len(question) > MAX_QUESTION_CHARS:
        errors["question"] = [_("The question is %(length)d characters long; the limit is %(limit)d.")
                              % {"length": len(question), "limit": MAX_QUESTION_CHARS}]
    subs = [s.strip() for s in (sub_questions or []) if s and s.strip()]
    if len(subs) > MAX_SUB_QUESTIONS:
        errors["sub_questions"] = [_("At most %(limit)d sub-questions.") % {"limit": MAX_SUB_QUESTIONS}]
    elif any(len(s) > MAX_SUB_QUESTION_CHARS for s in subs):
        errors["sub_questions"] = [_("A sub-question is at most %(limit)d characters long.")
                                   % {"limit": MAX_SUB_QUESTION_CHARS}]
    if deadline is None:
        errors["deadline"] = [_("Give the deadline.")]
    elif deadline <= timezone.now():
        errors["deadline"] = [_("The deadline must be in the future.")]
    if errors:
        raise ValidationError(errors)
    return question, subs


@transaction.atomic
def consultation_create(*, actor, category, title: str, question: str, deadline: datetime,
                        sub_questions: list[str] | None = None, organisers=()) -> Consultation:
    """Open a consultation: a thread (through the threads' own service, so its rules and announcements
    apply) whose opening post states the question and links to the positions. The creator and the
    chosen moderators are its organisers: the site's moderators, or moderators of its category."""
    permissions.check_create_consultation(actor, category)
    question, subs = _clean_question(question, sub_questions, deadline)
    organisers = _clean_organisers(organisers, category)
    from django.urls import reverse

    # The consultation takes its thread's id; the link is made once the thread exists.
    thread = discussions.thread_create(author=actor, category=category, title=title, source=question)
    consultation = Consultation.objects.create(thread=thread, question=question, deadline=deadline,
                                               created_by=actor)
    SubQuestion.objects.bulk_create([SubQuestion(consultation=consultation, number=n, text=text)
                                     for n, text in enumerate(subs, start=1)])
    consultation.organisers.set({actor.pk, *[getattr(u, "pk", u) for u in organisers]})
    opening = thread.posts.order_by("pk").first()
    opening.source = _opening_text(question, subs, reverse("consultations:detail",
                                                           kwargs={"consultation_id": consultation.pk}))
    opening.html = richtext.render_post(opening.source)
    opening.save(update_fields=["source", "html"])
    record(actor=actor, verb="consultation.create", target=thread, data={"deadline": deadline.isoformat()})
    return consultation


def _clean_position(consultation: Consultation, stance, source, answers) -> tuple[str, str, dict]:
    errors: dict[str, list[str]] = {}
    if stance not in Stance.values:
        errors["stance"] = [_("Choose a stance: in favour, with reservations, against or abstain.")]
    text = (source or "").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        errors["source"] = [_("Write your organisation's position: the text is empty.")]
    else:
        try:
            text = discussions.clean_source(text)
        except ValidationError as e:
            errors.update(e.message_dict)
    numbers = set(consultation.sub_questions.values_list("number", flat=True))
    cleaned = {}
    for key, value in (answers or {}).items():
        try:
            number = int(key)
        except (TypeError, ValueError):
            number = None
        if number not in numbers:
            errors["answers"] = [_("An answer names a sub-question this consultation does not have.")]
            break
        value = (value or "").replace("\r\n", "\n").strip()
        if len(value) > MAX_ANSWER_CHARS:
            errors[f"answer_{number}"] = [_("An answer is at most %(limit)d characters long.")
                                          % {"limit": MAX_ANSWER_CHARS}]
        elif value:
            cleaned[str(number)] = value
    if errors:
        raise ValidationError(errors)
    verdict = screening.screen(text, *cleaned.values())
    screening.check_not_blocked(verdict, "source")
    return stance, text, cleaned, verdict


def review_reasons(*, author, category, verdict: str) -> tuple[list[str], bool]:
    """Why a position `author` submits or revises goes to the moderators, and whether it is held until
    approved: the category (or its parent) is pre-moderated, or a watched word (`verdict` of
    `forum.core.screening`: HOLD holds, FLAG only reports). As for posts, the category's moderators
    and administrators are never held nor reported."""
    if accounts.is_admin(author) or categories.holds_moderator_role(author, category):
        return [], False
    reasons, held = [], False
    if category.premoderate or (category.parent_id is not None and category.parent.premoderate):
        reasons.append(discussion_signals.PREMODERATED_CATEGORY)
        held = True
    if verdict in (screening.HOLD, screening.FLAG):
        reasons.append(discussion_signals.WATCHED_WORD)
        held = held or verdict == screening.HOLD
    return reasons, held


def _send_for_review(position: Position, *, reasons: list[str], held: bool) -> None:
    """Audit the hold and hand the position to the review queue (the moderation app listens)."""
    if not reasons:
        return
    if held:
        record(actor=None, verb="position.hold", target=position, reason=", ".join(reasons),
               scope=_scope(position.consultation),
               data={"consultation": position.consultation_id, "premoderation": reasons,
                     "revision": position.revision_count})
    signals.position_for_review.send(sender=Position, position=position, reasons=reasons, held=held)


def _already_submitted() -> ValidationError:
    return ValidationError(_("Your organisation has already submitted its position: revise it instead."),
                           code="exists")


@transaction.atomic
def position_submit(*, actor, consultation: Consultation, stance: str, source: str, answers: dict | None = None,
                    base_revision: int | None = None) -> Position:
    """Submit the actor's organisation's position (`base_revision` None) or revise it (`base_revision`:
    the version the actor started from; a newer one refuses, so no revision silently overwrites
    another). Every version is kept (`PositionRevision`); audited; open pages told after commit."""
    permissions.check_submit_position(actor, consultation)
    organisation = accounts.membership(actor).organisation
    stance, text, cleaned, verdict = _clean_position(consultation, stance, source, answers)
    reasons, held = review_reasons(author=actor, category=consultation.thread.category, verdict=verdict)
    html = richtext.render_post(text)
    now = timezone.now()
    position = (Position.objects.select_for_update()
                .filter(consultation=consultation, organisation=organisation).first())
    if position is None:
        if base_revision is not None:
            raise ValidationError(_("There is no position of your organisation to revise."), code="no_position")
        hold = ({"awaiting_review": True, "hidden_at": now, "hidden_reason": dict(AWAITING_REVIEW)} if held
                else {})
        try:
            with transaction.atomic():  # a savepoint: the constraint decides between two first submissions
                position = Position.objects.create(
                    consultation=consultation, organisation=organisation, signed_by=actor, stance=stance,
                    source=text, html=html, answers=cleaned, updated_at=now, revision_count=1, **hold)
        except IntegrityError:
            raise _already_submitted() from None
        verb = "position.submit"
        was_published = False
    else:
        position.consultation = consultation
        if base_revision is None:
            raise _already_submitted()
        permissions.check_revise_position(actor, position)
        if base_revision != position.revision_count:
            raise ValidationError(_("Your organisation's position was revised meanwhile: read the new version "
                                    "and try again."), code="stale")
        was_published = not position.awaiting_review
        position.signed_by, position.stance, position.source, position.html = actor, stance, text, html
        position.answers, position.updated_at = cleaned, now
        position.revision_count += 1
        if held and was_published:
            # A revision held for review takes the whole position out of sight until it is approved:
            # the version readers saw is not left standing as if it were the organisation's word.
            position.awaiting_review, position.hidden_at = True, now
            position.hidden_reason = dict(AWAITING_REVIEW)
        position.save(update_fields=["signed_by", "stance", "source", "html", "answers", "updated_at",
                                     "revision_count", "awaiting_review", "hidden_at", "hidden_reason"])
        verb = "position.revise"
    PositionRevision.objects.create(position=position, number=position.revision_count, signed_by=actor,
                                    stance=stance, source=text, html=html, answers=cleaned)
    record(actor=actor, verb=verb, target=position, scope=_scope(consultation),
           data={"consultation": consultation.pk, "stance": stance, "revision": position.revision_count,
                 "awaiting_review": position.awaiting_review})
    # A revision of a held position stays held (it is reviewed whole); a new reason goes to the queue.
    _send_for_review(position, reasons=reasons, held=position.awaiting_review)
    if was_published or not position.awaiting_review:
        # Readers' pages change (it appears, changes or leaves their sight); a position nobody else
        # sees yet is announced to nobody, not even by its organisation's id.
        realtime.broadcast_on_commit(events.consultation_group(consultation.pk), events.position_changed(position))
    return position


@transaction.atomic
def synthesis_publish(*, actor, consultation: Consultation, source: str) -> Consultation:
    """Publish (or correct) the synthesis, after the deadline, as an organiser; audited; open pages told."""
    permissions.check_publish_synthesis(actor, consultation)
    text = (source or "").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ValidationError({"source": [_("Write the synthesis: the text is empty.")]}, code="empty")
    text = discussions.clean_source(text)
    consultation.synthesis_source = text
    consultation.synthesis_html = richtext.render_post(text)
    consultation.synthesis_published_at = timezone.now()
    consultation.synthesis_by = actor
    consultation.save(update_fields=["synthesis_source", "synthesis_html", "synthesis_published_at",
                                     "synthesis_by"])
    record(actor=actor, verb="consultation.synthesis", target=consultation.thread,
           data={"consultation": consultation.pk})
    realtime.broadcast_on_commit(events.consultation_group(consultation.pk), events.synthesis_published(consultation))
    return consultation


@transaction.atomic
def position_hide(*, actor, position: Position, reason: str, hidden: bool = True, reason_titles: dict | None = None,
                  audit_data: dict | None = None) -> Position:
    """A moderator hides a position from readers (its organisation and stance stay listed), or shows
    it again; audited; open pages told."""
    permissions.check_hide_position(actor, position)
    if hidden and not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the position is hidden: its organisation and the audit log "
                                           "see it.")}, code="no_reason")
    position = Position.objects.select_for_update().select_related("consultation__thread").get(pk=position.pk)
    if (position.hidden_at is not None) == hidden:
        if hidden and reason_titles is not None and position.hidden_reason != reason_titles:
            # Held (by flags, or before it was shown), now hidden under a rule: its organisation reads
            # the rule. A position held before it was shown stays out of everyone else's sight.
            position.hidden_reason = dict(reason_titles)
            position.save(update_fields=["hidden_reason"])
            record(actor=actor, verb="position.hide", target=position, reason=reason,
                   scope=_scope(position.consultation),
                   data={"consultation": position.consultation_id, **(audit_data or {})})
        return position
    position.hidden_at = timezone.now() if hidden else None
    position.hidden_reason = dict(reason_titles or {}) if hidden else {}
    if not hidden:
        position.awaiting_review = False  # shown again (an appeal overturned a rejection): published
    position.save(update_fields=["hidden_at", "hidden_reason", "awaiting_review"])
    record(actor=actor, verb="position.hide" if hidden else "position.unhide", target=position, reason=reason,
           scope=_scope(position.consultation), data={"consultation": position.consultation_id, **(audit_data or {})})
    realtime.broadcast_on_commit(events.consultation_group(position.consultation_id), events.position_changed(position))
    return position


@transaction.atomic
def position_approve(*, actor, position: Position, audit_data: dict | None = None) -> Position:
    """A moderator of the category publishes a position held before it was shown: it counts as its
    organisation's response and appears on every open comparison page. Audited."""
    permissions.check_hide_position(actor, position)
    position = Position.objects.select_for_update().select_related("consultation__thread").get(pk=position.pk)
    if not permissions.is_pending_review(position):
        raise ValidationError(_("This position is not awaiting review."), code="not_awaiting_review")
    position.awaiting_review, position.hidden_at, position.hidden_reason = False, None, {}
    position.save(update_fields=["awaiting_review", "hidden_at", "hidden_reason"])
    record(actor=actor, verb="position.approve", target=position, scope=_scope(position.consultation),
           data={"consultation": position.consultation_id, "revision": position.revision_count,
                 **(audit_data or {})})
    realtime.broadcast_on_commit(events.consultation_group(position.consultation_id), events.position_changed(position))
    return position


@transaction.atomic
def position_hold_for_review(*, position: Position, reason: str, audit_data: dict | None = None) -> Position:
    """Hide a position pending review on its flags' behalf (no moderator acts); audited with no actor."""
    position = Position.objects.select_for_update().select_related("consultation__thread").get(pk=position.pk)
    if position.hidden_at is not None:
        return position
    position.hidden_at = timezone.now()
    position.hidden_reason = dict(PENDING_REVIEW)
    position.save(update_fields=["hidden_at", "hidden_reason"])
    record(actor=None, verb="position.hold", target=position, reason=reason, scope=_scope(position.consultation),
           data={"consultation": position.consultation_id, **(audit_data or {})})
    realtime.broadcast_on_commit(events.consultation_group(position.consultation_id), events.position_changed(position))
    return position


def reminder_hours() -> int:
    return conf.FORUM_CONSULTATION_REMINDER_HOURS
