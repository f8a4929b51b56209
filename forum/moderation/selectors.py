"""Reads of moderation: the review queue (a fixed number of queries whatever its length), one item
with its flags and history, a member's own flags, appeals waiting, and the monthly figures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from forum.accounts import permissions as accounts
from forum.consultations.models import Position
from forum.core import conf
from forum.discussions.models import Post
from forum.live.models import ChatMessage, LiveSession, Question

from . import permissions
from .models import HOLD_REASONS, Action, Appeal, Flag, Reason, ReviewItem, Rule, WatchedWord

STATES = tuple(ReviewItem.State.values)


def queue_count(user) -> int:
    """Open items in the user's scope: the number on the header badge."""
    return permissions.visible_items(user, ReviewItem.objects.filter(state=ReviewItem.State.OPEN)).count()


@dataclass
class QueueFilters:
    state: str = ReviewItem.State.OPEN
    reason: str = ""
    category: int | None = None
    session: int | None = None

    @classmethod
    def from_query(cls, query) -> QueueFilters:
        """From the query string; unknown values fall back to the defaults (no error page for a bad link)."""
        state = query.get("state", ReviewItem.State.OPEN)
        reason = query.get("reason", "")
        category = query.get("category", "")
        session = query.get("session", "")
        return cls(state=state if state in STATES else ReviewItem.State.OPEN,
                   reason=reason if reason in Reason.values else "",
                   category=int(category) if category.isdigit() else None,
                   session=int(session) if session.isdigit() else None)


@dataclass
class QueueEntry:
    item: ReviewItem
    flags: list[Flag]
    content: object | None  # the post (or message, question) under review
    excerpt: str = ""
    url: str = ""
    title: str = ""
    reason_counts: list[tuple[str, int]] = field(default_factory=list)
    hold_reasons: list[str] = field(default_factory=list)  # why it came without a flag (labels)
    awaiting: bool = False  # held by pre-moderation: waits for approval


def _contents(entries: list[ReviewItem]) -> dict[tuple[str, int], object]:
    """The items' content, one query per kind."""
    found: dict[tuple[str, int], object] = {}
    post_ids = [i.object_id for i in entries if i.kind == "post"]
    if post_ids:
        for post in Post.objects.filter(pk__in=post_ids).select_related("thread").only(
                "id", "html", "hidden_at", "deleted_at", "awaiting_review", "author_id", "thread__id",
                "thread__title"):
            found[("post", post.pk)] = post
    live_ids = {kind: [i.object_id for i in entries if i.kind == kind] for kind in ("message", "question")}
    for kind, model in (("message", ChatMessage), ("question", Question)):
        if live_ids[kind]:
            for row in model.objects.filter(pk__in=live_ids[kind]).select_related("session"):
                found[(kind, row.pk)] = row
    position_ids = [i.object_id for i in entries if i.kind == "position"]
    if position_ids:
        for row in Position.objects.filter(pk__in=position_ids).select_related("consultation__thread"):
            found[("position", row.pk)] = row
    return found


def queue_for_moderator(*, viewer, filters: QueueFilters, limit: int | None = None) -> list[QueueEntry]:
    """The items in the viewer's scope matching `filters`, highest score first, each with its flags
    (reporters included) and content: four queries, whatever the number of items (and one more per
    kind of live content shown: chat messages, questions)."""
    from .items import adapter

    permissions.check_view_queue(viewer)
    qs = permissions.visible_items(viewer, ReviewItem.objects.filter(state=filters.state))
    if filters.reason:
        qs = qs.filter(flags__reason=filters.reason).distinct()
    if filters.category is not None:
        qs = qs.filter(category_id=filters.category)
    if filters.session is not None:
        qs = qs.filter(session_id=filters.session)
    flags = Flag.objects.select_related("reporter").order_by("created_at", "id")
    rows = list(qs.select_related("category", "author", "claimed_by").prefetch_related(
        Prefetch("flags", queryset=flags))[: limit or conf.FORUM_MODERATION_QUEUE_PAGE])
    contents = _contents(rows)
    entries = []
    for item in rows:
        content = contents.get((item.kind, item.object_id))
        item_flags = list(item.flags.all())
        counts: dict[str, int] = defaultdict(int)
        for f in item_flags:
            counts[f.reason] += 1
        entry = QueueEntry(item=item, flags=item_flags, content=content,
                           reason_counts=sorted(counts.items(), key=lambda kv: -kv[1]))
        if content is not None:
            kind = adapter(item.kind)
            entry.excerpt, entry.url, entry.title = kind.excerpt(content), kind.url(content), kind.title(content)
            entry.awaiting = bool(getattr(kind, "is_awaiting", None) and kind.is_awaiting(content))
        entry.hold_reasons = [str(HOLD_REASONS[r]) for r in item.reasons if r in HOLD_REASONS]
        entries.append(entry)
    return entries


def queue_categories(viewer):
    """The categories the viewer moderates, for the place filter."""
    from forum.categories import permissions as categories

    return list(categories.moderated_categories(viewer).order_by("name"))


def queue_sessions(viewer):
    """The live sessions with items in the viewer's scope, for the place filter (one query)."""
    in_scope = permissions.visible_items(viewer, ReviewItem.objects.filter(session_id__isnull=False))
    return list(LiveSession.objects.filter(pk__in=in_scope.values("session_id")).order_by("-starts_at")[:50])


def item_for_moderator(*, item_id, viewer) -> ReviewItem:
    """One item in the viewer's scope; outside it a named refusal when the viewer may read the content,
    Http404 when they may not even see it (or it does not exist)."""
    permissions.check_view_queue(viewer)
    items = ReviewItem.objects.select_related("category", "author", "claimed_by")
    item = permissions.visible_items(viewer, items).filter(pk=item_id).first()
    if item is None:
        outside = items.filter(pk=item_id).first()
        if outside is not None:
            permissions.refuse_outside_scope(viewer, outside)
        raise Http404
    return item


def item_history(item: ReviewItem) -> list[Action]:
    return list(item.actions.select_related("actor", "rule").order_by("created_at", "id"))


def my_flags(*, viewer) -> list[Flag]:
    """The viewer's flags, newest first, with their state (what a flagger may know)."""
    accounts.require_good_standing(viewer)
    return list(Flag.objects.filter(reporter=viewer).select_related("item").order_by("-created_at", "-id")[:200])


def my_flag_on(*, viewer, kind: str, object_id: int) -> Flag | None:
    return Flag.objects.filter(reporter=viewer, item__kind=kind, item__object_id=object_id).first()


def action_for_subject(*, action_id, viewer) -> Action:
    """An action as the person it concerns sees it (or a moderator in scope); Http404 otherwise."""
    action = Action.objects.select_related("rule", "item", "item__category", "actor").filter(pk=action_id).first()
    if action is None:
        raise Http404
    if action.subject_id == getattr(viewer, "pk", None):
        return action
    if action.item is not None and permissions.allows(
            lambda u, i: permissions.check_act_on_item(u, i, ignore_claim=True), viewer, action.item):
        return action
    raise Http404


def appeals_waiting(*, viewer) -> list[Appeal]:
    """Pending appeals the viewer may decide (not against their own actions)."""
    if not permissions.is_queue_moderator(viewer):
        return []
    return list(permissions.visible_appeals(viewer, Appeal.objects.filter(outcome=Appeal.Outcome.PENDING))
                .select_related("action", "action__rule", "action__item", "appellant").order_by("created_at"))


def active_rules() -> list[Rule]:
    return list(Rule.objects.filter(active=True))


# --- Transparency --------------------------------------------------------------------------------

@dataclass
class MonthFigures:
    month: object
    by_kind: dict[str, int]
    total: int


def transparency_figures(*, months: int = 12) -> tuple[list[MonthFigures], list[tuple[Rule, dict, int]]]:
    """Actions per month and kind, and per rule and kind, over the last `months` months: counts only,
    no person and no content. Two grouped queries."""
    now = timezone.now()
    start = (now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
             - timezone.timedelta(days=31 * (months - 1))).replace(day=1)
    actions = Action.objects.filter(created_at__gte=start)
    per_month: dict = defaultdict(lambda: defaultdict(int))
    for row in (actions.annotate(month=TruncMonth("created_at")).values("month", "kind")
                .annotate(n=Count("id")).order_by("month")):
        per_month[row["month"].date() if hasattr(row["month"], "date") else row["month"]][row["kind"]] += row["n"]
    month_rows = [MonthFigures(month=m, by_kind=dict(k), total=sum(k.values())) for m, k in sorted(per_month.items())]
    per_rule: dict = defaultdict(lambda: defaultdict(int))
    for row in actions.values("rule_id", "kind").annotate(n=Count("id")):
        per_rule[row["rule_id"]][row["kind"]] += row["n"]
    rules = {r.pk: r for r in Rule.objects.filter(pk__in=per_rule)}
    rule_rows = [(rules[rid], dict(k), sum(k.values())) for rid, k in per_rule.items() if rid in rules]
    rule_rows.sort(key=lambda r: (-r[2], r[0].position))
    return month_rows, rule_rows


def watched_words(*, viewer) -> list[WatchedWord]:
    """The watched words, for the administrators' page (PermissionDenied for anyone else)."""
    permissions.check_manage_words(viewer)
    return list(WatchedWord.objects.order_by("action", "kind", "text", "id"))


def restrictions_awaiting_confirmation(*, viewer) -> list:
    """Suspensions and bans awaiting a second moderator in the viewer's scope, oldest first, each
    with `may_decide` (False for the viewer's own, or a member of their organisation)."""
    from forum.accounts.models import Restriction

    permissions.check_view_confirmations(viewer)
    rows = list(permissions.visible_pending_restrictions(
        viewer, Restriction.objects.select_related("user", "created_by")).order_by("created_at", "pk"))
    for row in rows:
        row.may_decide = permissions.allows(permissions.check_confirm_restriction, viewer, row)
    return rows
