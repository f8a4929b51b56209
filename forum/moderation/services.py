"""Every write of moderation: flag, claim, act (dismiss, hide, restore, delete, warn, mute, suspend),
appeal and decide appeals, and the community rules.

Each service takes the acting user, runs in one transaction, checks permission first, validates,
then writes; the content is changed only through its own app's services (which check, audit and
broadcast themselves), sanctions through `forum.accounts.services`. Moderator actions are audited
here too, with the rule and the note. After commit, moderators in scope get their new queue count
on their open pages and the person an action concerns is notified (in-app, and by email in their
language). Rejections raise `ValidationError`, `PermissionDenied` or `Http404` with a translated
message, and change nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.accounts import permissions as accounts_permissions
from forum.accounts import services as accounts
from forum.audit.services import record
from forum.core import conf, realtime
from forum.notifications import services as notifications

from . import items, permissions, watchwords
from .models import SEVERITY, Action, Appeal, Flag, Reason, ReviewItem, Rule, WatchedWord
from .selectors import queue_count

EVENT_QUEUE = "moderation.queue"
FLAG_TEXT_MAX = 1000
NOTE_MAX = 2000
STATEMENT_MAX = 4000
# Suggested sanction lengths, in days, longer with each earlier sanction of the same person.
ESCALATION_DAYS = (1, 3, 7, 30, 90)


# --- Flags ---------------------------------------------------------------------------------------

def _clean_flag(reason: str, text: str) -> tuple[str, str]:
    if reason not in Reason.values:
        raise ValidationError({"reason": _("Choose one of the reasons listed.")}, code="bad_reason")
    text = (text or "").strip()
    if reason == Reason.OTHER and not text:
        raise ValidationError({"text": _("Say what is wrong: “other” needs a few words.")}, code="no_text")
    if len(text) > FLAG_TEXT_MAX:
        raise ValidationError({"text": _("Please keep the details under %(limit)d characters.")
                               % {"limit": FLAG_TEXT_MAX}}, code="too_long")
    return reason, text


def _item_for(adapter, obj) -> ReviewItem:
    """The queue row of `obj`, created on its first flag, locked for this transaction."""
    place = adapter.place(obj)
    defaults = {"category_id": place.category_id, "session_id": place.session_id,
                "author_id": adapter.author_id(obj), "first_flagged_at": timezone.now()}
    try:
        with transaction.atomic():
            item, _created = ReviewItem.objects.get_or_create(kind=adapter.kind, object_id=obj.pk, defaults=defaults)
    except IntegrityError:  # another flag created it at the same moment
        pass
    return ReviewItem.objects.select_for_update().get(kind=adapter.kind, object_id=obj.pk)


@transaction.atomic
def flag_create(*, actor, kind: str, object_id, reason: str, text: str = "") -> Flag:
    """`actor` reports an item once. Past FORUM_MODERATION_AUTO_HIDE_FLAGGERS distinct flaggers, or at
    once for "endangers someone" (FORUM_MODERATION_HIDE_ENDANGERING), the item is hidden pending
    review (through its app's service). Moderators in scope see their queue count change."""
    adapter = items.adapter(kind)  # Http404: an unknown kind
    obj = adapter.load(object_id)  # Http404: a forged id
    permissions.check_flag_item(actor, adapter, obj)  # Http404: cannot see it; own post: refused
    reason, text = _clean_flag(reason, text)
    item = _item_for(adapter, obj)
    if Flag.objects.filter(item=item, reporter=actor).exists():
        raise ValidationError(_("You have already flagged this. The moderators will review it; your flag's "
                                "state is on your flags page."), code="twice")
    if item.state != ReviewItem.State.OPEN:
        # Reviewed before, flagged again: back in the queue, counted afresh.
        item.state, item.resolved_at, item.flaggers, item.severity, item.reasons = (
            ReviewItem.State.OPEN, None, 0, 0, [])
    flag = Flag.objects.create(item=item, reporter=actor, reason=reason, text=text)
    item.flaggers += 1
    item.severity = max(item.severity, SEVERITY[reason])
    item.score = 10 * item.flaggers + item.severity
    if reason not in item.reasons:
        item.reasons = [*item.reasons, reason]
    threshold = conf.FORUM_MODERATION_AUTO_HIDE_FLAGGERS
    endangers = reason == Reason.ENDANGERS and conf.FORUM_MODERATION_HIDE_ENDANGERING
    if not item.held and not adapter.is_hidden(obj) and not adapter.is_removed(obj) and (
            endangers or (threshold and item.flaggers >= threshold)):
        why = ("flag.endangers" if endangers else "flag.threshold")
        adapter.hold(obj, reason=why, data={"review_item": item.pk, "flaggers": item.flaggers})
        item.held = True
    item.save()
    queue_changed_on_commit(item)
    return flag


# --- Live queue counts ---------------------------------------------------------------------------

def moderators_of(item: ReviewItem) -> list:
    """Everyone who may review `item`: global moderators, and the moderators of its category or the
    moderators and organisers of its live session."""
    User = get_user_model()
    who = Q(role__in=[User.Role.MODERATOR, User.Role.ADMIN])
    if item.session_id is not None:
        who |= Q(moderated_live_sessions=item.session_id) | Q(organised_live_sessions=item.session_id)
    if item.category_id is not None:
        who |= Q(moderated_categories=item.category_id)
        if item.category is not None and item.category.parent_id is not None:
            who |= Q(moderated_categories=item.category.parent_id)
    return list(User.objects.filter(who, is_active=True, deleted_at__isnull=True).distinct())


def broadcast_queue_counts(users) -> None:
    for user in users:
        if permissions.is_queue_moderator(user):
            realtime.broadcast(realtime.user_group(user.pk), {"type": EVENT_QUEUE, "count": queue_count(user)})


def queue_changed_on_commit(item: ReviewItem) -> None:
    """After commit, each moderator who may review `item` gets their open pages' queue count."""
    transaction.on_commit(lambda: broadcast_queue_counts(moderators_of(item)))


# --- Claims --------------------------------------------------------------------------------------

def _locked(item: ReviewItem) -> ReviewItem:
    # Only the item's row is locked (its category and author are nullable outer joins).
    return ReviewItem.objects.select_for_update(of=("self",)).select_related("category", "author").get(pk=item.pk)


@transaction.atomic
def item_claim(*, actor, item: ReviewItem, release: bool = False) -> ReviewItem:
    """Claim an item (other moderators may not act on it for FORUM_MODERATION_CLAIM_MINUTES), or
    release one's own claim."""
    item = _locked(item)
    permissions.check_act_on_item(actor, item)
    if release:
        if item.claimed_by_id == actor.pk:
            item.claimed_by, item.claimed_at = None, None
            item.save(update_fields=["claimed_by", "claimed_at"])
        return item
    item.claimed_by, item.claimed_at = actor, timezone.now()
    item.save(update_fields=["claimed_by", "claimed_at"])
    return item


# --- Actions -------------------------------------------------------------------------------------

CONTENT_ACTIONS = (Action.Kind.DISMISS, Action.Kind.HIDE, Action.Kind.RESTORE, Action.Kind.DELETE)
PERSON_ACTIONS = (Action.Kind.WARN, Action.Kind.MUTE, Action.Kind.SUSPEND, Action.Kind.BAN)


def _clean_rule(rule) -> Rule:
    if rule is None or not isinstance(rule, Rule) or not rule.active:
        raise ValidationError({"rule": _("Choose the rule this decision rests on.")}, code="no_rule")
    return rule


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("Please keep the note under %(limit)d characters.") % {"limit": NOTE_MAX}},
                              code="too_long")
    return note


def suggested_days(user) -> int:
    """How long the next mute or suspension of `user` should last: longer with each earlier one."""
    earlier = Action.objects.filter(subject=user, kind__in=[Action.Kind.MUTE, Action.Kind.SUSPEND],
                                    restriction_id__isnull=False).count()  # imposed ones
    return ESCALATION_DAYS[min(earlier, len(ESCALATION_DAYS) - 1)]


SCOPES = ("site", "category", "session")


def _sanction(*, actor, item: ReviewItem, kind: str, rule: Rule, note: str, days, scope: str = "") -> int | None:
    """Warn, mute, suspend or ban the item's author through `accounts.restriction_create`, site-wide
    or in the item's category (`scope`; by default the category for a warning or a mute, the whole
    site for a suspension or a ban). A ban is for global moderators and administrators only; a
    representative's site-wide suspension or ban waits for a second moderator (accounts' rule)."""
    author = item.author
    if author is None:
        raise ValidationError(_("The author's account no longer exists."), code="no_author")
    if kind == Action.Kind.BAN and not accounts_permissions.is_global_moderator(actor):
        raise PermissionDenied(_("Only global moderators and administrators can ban a member."))
    if scope in (None, ""):
        # A warning or a mute applies where it was said (the category, or the live room); the rest site-wide.
        place = "category" if item.category_id else "session" if item.session_id else "site"
        scope = place if kind in (Action.Kind.WARN, Action.Kind.MUTE) else "site"
    if (scope not in SCOPES or (scope == "category" and item.category_id is None)
            or (scope == "session" and item.session_id is None)):
        raise ValidationError({"scope": _("Choose the whole site or this category.")}, code="bad_scope")
    reason = f"{rule.title_en}" + (f" — {note}" if note else "")
    data = {"review_item": item.pk, "rule": rule.pk}
    ends_at = None
    if kind in (Action.Kind.MUTE, Action.Kind.SUSPEND):
        try:
            days = int(days) if days not in (None, "") else suggested_days(author)
        except (TypeError, ValueError):
            raise ValidationError({"days": _("Give the length in whole days.")}, code="bad_days") from None
        if not 1 <= days <= 3650:
            raise ValidationError({"days": _("Give a length between 1 and 3650 days.")}, code="bad_days")
        ends_at = timezone.now() + timedelta(days=days)
    restriction_kind = {Action.Kind.WARN: "warning", Action.Kind.MUTE: "mute", Action.Kind.SUSPEND: "suspension",
                        Action.Kind.BAN: "ban"}[kind]
    restriction = accounts.restriction_create(
        actor=actor, user=author, kind=restriction_kind, reason=reason, scope=scope,
        object_id={"category": item.category_id, "session": item.session_id}.get(scope), ends_at=ends_at,
        audit_data=data)
    if kind == Action.Kind.WARN:
        record(actor=actor, verb="user.warn", target=author, reason=reason, data={**data, "restriction": restriction.pk})
    return restriction.pk


@transaction.atomic
def item_act(*, actor, item: ReviewItem, kind: str, rule, note: str = "", days=None, scope: str = "") -> Action:
    """A moderator acts on an item under a rule (required) with an optional note: dismiss its flags,
    hide, restore or delete the content, or warn / mute / suspend / ban its author (site-wide or in
    the item's category, `scope`). Audited; the author
    is notified; the flags are closed; the claim is released."""
    item = _locked(item)
    permissions.check_act_on_item(actor, item)
    if kind not in CONTENT_ACTIONS + PERSON_ACTIONS:
        raise ValidationError({"kind": _("Choose one of the actions offered.")}, code="bad_action")
    rule = _clean_rule(rule)
    note = _clean_note(note)
    adapter = items.adapter(item.kind)
    obj = adapter.load(item.object_id)
    if kind in (Action.Kind.DISMISS, Action.Kind.RESTORE) and _awaiting(adapter, obj):
        raise ValidationError(_("This is awaiting approval: approve it, or delete it under a rule."),
                              code="awaiting_review")
    data = {"review_item": item.pk, "rule": rule.pk, "note": note}
    # The decision's row first: the hidden post's placeholder links its author to it (to appeal).
    action = Action.objects.create(item=item, kind=kind, rule=rule, note=note, actor=actor,
                                   subject_id=item.author_id)
    decision_url = reverse("moderation:action", kwargs={"action_id": action.pk})
    if kind == Action.Kind.DISMISS:
        if item.held and adapter.is_hidden(obj):
            adapter.restore(obj, actor=actor, reason=rule.title_en, data=data)
    elif kind == Action.Kind.HIDE:
        adapter.hide(obj, actor=actor, reason=rule.title_en, titles={**rule.titles(), "decision": decision_url},
                     data=data)
    elif kind == Action.Kind.RESTORE:
        if not adapter.is_hidden(obj):
            raise ValidationError(_("This is not hidden: there is nothing to restore."), code="not_hidden")
        adapter.restore(obj, actor=actor, reason=rule.title_en, data=data)
    elif kind == Action.Kind.DELETE:
        adapter.remove(obj, actor=actor, reason=rule.title_en, data=data)
    else:
        action.restriction_id = _sanction(actor=actor, item=item, kind=kind, rule=rule, note=note, days=days,
                                          scope=scope)
        action.save(update_fields=["restriction_id"])
    record(actor=actor, verb=f"moderation.{kind}", target=item, reason=rule.title_en,
           data={**data, "action": action.pk, "kind": item.kind, "object_id": item.object_id})
    flag_state = Flag.State.DISMISSED if kind in (Action.Kind.DISMISS, Action.Kind.RESTORE) else Flag.State.ACTIONED
    item.flags.filter(state=Flag.State.OPEN).update(state=flag_state)
    item.state = (ReviewItem.State.DISMISSED if flag_state == Flag.State.DISMISSED else ReviewItem.State.ACTIONED)
    item.resolved_at = timezone.now()
    item.held = adapter.is_hidden(obj) and item.held and kind != Action.Kind.DISMISS
    item.claimed_by, item.claimed_at = None, None
    item.save()
    if kind != Action.Kind.DISMISS:
        _notify_subject(action, adapter=adapter, obj=obj)
    queue_changed_on_commit(item)
    return action


# --- Notices ------------------------------------------------------------------------------------

def _notify_subject(action: Action, *, adapter, obj) -> None:
    """Tell the author what was done and why (words made in their language when they read them)."""
    if action.subject_id is None:
        return
    notifications.notify(
        recipient=action.subject, kind="system", actor=None,
        url=reverse("moderation:action", kwargs={"action_id": action.pk}),
        data={"describer": "moderation", "action": action.kind, "rule": action.rule.titles(),
              "note": action.note, "excerpt": action.note, "thread_title": adapter.title(obj),
              "thread_titles": adapter.titles(obj) if hasattr(adapter, "titles") else {}, "kind": adapter.kind},
        key=f"moderation.action:{action.pk}")


def _notify_appeal(appeal: Appeal) -> None:
    notifications.notify(
        recipient=appeal.appellant, kind="system", actor=None,
        url=reverse("moderation:action", kwargs={"action_id": appeal.action_id}),
        data={"describer": "moderation", "appeal": appeal.outcome, "action": appeal.action.kind,
              "rule": appeal.action.rule.titles(), "note": appeal.decision_note, "excerpt": appeal.decision_note},
        key=f"moderation.appeal:{appeal.pk}")


# --- Appeals -------------------------------------------------------------------------------------

@transaction.atomic
def appeal_create(*, actor, action: Action, statement: str) -> Appeal:
    """The person an action concerns appeals it, once, with a statement; another moderator decides."""
    Action.objects.select_for_update().filter(pk=action.pk).values_list("pk").get()
    permissions.check_appeal_action(actor, action)
    statement = (statement or "").strip()
    if not statement:
        raise ValidationError({"statement": _("Say why the decision should change.")}, code="empty")
    if len(statement) > STATEMENT_MAX:
        raise ValidationError({"statement": _("Please keep the statement under %(limit)d characters.")
                               % {"limit": STATEMENT_MAX}}, code="too_long")
    appeal = Appeal.objects.create(action=action, appellant=actor, statement=statement)
    record(actor=actor, verb="appeal.create", target=action, data={"appeal": appeal.pk, "statement": statement})
    if action.item is not None:
        queue_changed_on_commit(action.item)
    return appeal


def _undo(action: Action, *, actor, reason: str) -> None:
    """What overturning `action` means for the content or the person."""
    from . import actions  # thread actions (lock, move) undo themselves; it imports this module

    data = {"appeal_of": action.pk}
    if actions.undo(action, actor=actor, reason=reason):
        return
    if action.kind in (Action.Kind.HIDE, Action.Kind.DELETE) and action.item is not None:
        adapter = items.adapter(action.item.kind)
        obj = adapter.load(action.item.object_id)
        if action.kind == Action.Kind.HIDE and adapter.is_hidden(obj):
            adapter.restore(obj, actor=actor, reason=reason, data=data)
        elif action.kind == Action.Kind.DELETE and adapter.is_removed(obj):
            _reinstate(action, obj=obj, actor=actor, reason=reason, data=data)
    elif action.kind in PERSON_ACTIONS and action.restriction_id:
        from forum.accounts.models import Restriction

        restriction = Restriction.objects.filter(pk=action.restriction_id).first()
        if restriction is not None:
            accounts.restriction_lift(actor=actor, restriction=restriction, reason=reason)


def _reinstate(action: Action, *, obj, actor, reason: str, data: dict) -> None:
    items.adapter(action.item.kind).reinstate(obj, actor=actor, reason=reason, data=data)


@transaction.atomic
def appeal_decide(*, actor, appeal: Appeal, outcome: str, note: str = "") -> Appeal:
    """A moderator other than the one who acted upholds or overturns the decision (overturning
    undoes it: the content comes back, the sanction is lifted). Audited; the appellant is told."""
    appeal = Appeal.objects.select_for_update(of=("self",)).select_related("action", "action__item",
                                                               "action__item__category",
                                                               "action__item__author", "action__rule").get(pk=appeal.pk)
    permissions.check_decide_appeal(actor, appeal)
    if outcome not in (Appeal.Outcome.UPHELD, Appeal.Outcome.OVERTURNED):
        raise ValidationError({"outcome": _("Choose whether the decision is upheld or overturned.")},
                              code="bad_outcome")
    note = _clean_note(note)
    if outcome == Appeal.Outcome.OVERTURNED:
        _undo(appeal.action, actor=actor, reason=f"appeal {appeal.pk}: {note}"[:500])
    appeal.outcome, appeal.decided_by, appeal.decided_at, appeal.decision_note = (
        outcome, actor, timezone.now(), note)
    appeal.save()
    record(actor=actor, verb=f"appeal.{outcome}", target=appeal.action, reason=note,
           data={"appeal": appeal.pk, "action": appeal.action_id})
    _notify_appeal(appeal)
    if appeal.action.item is not None:
        queue_changed_on_commit(appeal.action.item)
    return appeal


# --- Rules ---------------------------------------------------------------------------------------

RULE_FIELDS = ("title_en", "title_ar", "title_fr", "body_en", "body_ar", "body_fr", "position", "active")


@transaction.atomic
def rule_save(*, actor, rule: Rule | None = None, **fields) -> Rule:
    """Create or change a community rule (administrators); audited with the text before and after."""
    permissions.check_manage_rules(actor)
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field."), code="unknown_field")
    before = {f: getattr(rule, f) for f in RULE_FIELDS} if rule is not None else {}
    rule = rule if rule is not None else Rule()
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.full_clean()
    rule.save()
    record(actor=actor, verb="rule.save", target=rule,
           data={"before": before, "after": {f: getattr(rule, f) for f in RULE_FIELDS}})
    return rule


# --- Pre-moderation: items held before they appear ------------------------------------------------

# Where a held or word-flagged item sorts among flagged ones (a flag from one person scores 10+).
HOLD_SEVERITY, WORD_FLAG_SEVERITY = 3, 1


def _awaiting(adapter, obj) -> bool:
    return bool(getattr(adapter, "is_awaiting", None) and adapter.is_awaiting(obj))


@transaction.atomic
def item_submit(*, kind: str, obj, reasons: list[str], held: bool) -> ReviewItem:
    """Content the moderators must look at though nobody flagged it: held by pre-moderation
    (`held`: it waits for approval) or caught by a watched word. No actor: the owning app's
    service decided it (and audited the hold). Moderators in scope see their queue count change."""
    adapter = items.adapter(kind)
    item = _item_for(adapter, obj)
    if item.state != ReviewItem.State.OPEN:
        item.state, item.resolved_at, item.flaggers, item.severity, item.reasons = (
            ReviewItem.State.OPEN, None, 0, 0, [])
    item.reasons = [*item.reasons, *(r for r in reasons if r not in item.reasons)]
    item.held = item.held or held
    item.severity = max(item.severity, HOLD_SEVERITY if held else WORD_FLAG_SEVERITY)
    item.score = 10 * item.flaggers + item.severity
    item.save()
    queue_changed_on_commit(item)
    return item


@transaction.atomic
def item_approve(*, actor, item: ReviewItem, note: str = "") -> ReviewItem:
    """A moderator in scope publishes an item held by pre-moderation, through its app's service
    (which fires what publishing fires: notifications, mentions, search, live events). Audited;
    its flags (if any) are dismissed; the item leaves the queue."""
    item = _locked(item)
    permissions.check_act_on_item(actor, item)
    note = _clean_note(note)
    adapter = items.adapter(item.kind)
    obj = adapter.load(item.object_id)
    if not _awaiting(adapter, obj):
        raise ValidationError(_("This is not awaiting approval."), code="not_awaiting")
    data = {"review_item": item.pk, "note": note}
    adapter.approve(obj, actor=actor, data=data)
    record(actor=actor, verb="moderation.approve", target=item, reason=note,
           data={**data, "kind": item.kind, "object_id": item.object_id, "reasons": item.reasons})
    item.flags.filter(state=Flag.State.OPEN).update(state=Flag.State.DISMISSED)
    item.state, item.resolved_at, item.held = ReviewItem.State.APPROVED, timezone.now(), False
    item.claimed_by, item.claimed_at = None, None
    item.save()
    queue_changed_on_commit(item)
    return item


# --- Watched words --------------------------------------------------------------------------------

def _word_fields(word: WatchedWord) -> dict:
    return {"text": word.text, "kind": word.kind, "action": word.action}


def _words_changed() -> None:
    # At once (this transaction's next screening reads the database) and after commit (other
    # processes that read the old list meanwhile read it again).
    watchwords.invalidate()
    transaction.on_commit(watchwords.invalidate)


@transaction.atomic
def word_save(*, actor, word: WatchedWord | None = None, text: str, kind: str, action: str) -> WatchedWord:
    """Add or change a watched word or pattern (administrators). The pattern is validated (length,
    syntax, no exponential shapes); audited with before and after; every process reads the new list."""
    permissions.check_manage_words(actor)
    if action not in WatchedWord.Act.values:
        raise watchwords.refusal("action", _("Choose what happens to a text that contains it."), "bad_action")
    text = watchwords.clean_entry(kind=kind, text=text)
    others = WatchedWord.objects.filter(kind=kind, text=text)
    if word is not None:
        others = others.exclude(pk=word.pk)
    if others.exists():
        raise watchwords.refusal("text", _("This word or pattern is already on the list."), "duplicate")
    before = _word_fields(word) if word is not None else {}
    word = word if word is not None else WatchedWord(created_by=actor)
    word.text, word.kind, word.action = text, kind, action
    word.save()
    record(actor=actor, verb="watchword.save", target=word, data={"before": before, "after": _word_fields(word)})
    _words_changed()
    return word


@transaction.atomic
def word_delete(*, actor, word: WatchedWord) -> None:
    """Take a word off the list (administrators); audited with what it was."""
    permissions.check_manage_words(actor)
    record(actor=actor, verb="watchword.delete", target=word, data={"before": _word_fields(word)})
    word.delete()
    _words_changed()


def item_decided_elsewhere(*, kind: str, obj, outcome: str) -> None:
    """Content in the queue was decided where it lives (a question approved or hidden in its room):
    its open item leaves the queue. No actor here: the deciding service audited it."""
    state = ReviewItem.State.APPROVED if outcome == "approved" else ReviewItem.State.ACTIONED
    item = ReviewItem.objects.filter(kind=kind, object_id=obj.pk, state=ReviewItem.State.OPEN).first()
    if item is None:
        return
    ReviewItem.objects.filter(pk=item.pk).update(state=state, resolved_at=timezone.now(), held=False,
                                                 claimed_by=None, claimed_at=None)
    queue_changed_on_commit(item)
