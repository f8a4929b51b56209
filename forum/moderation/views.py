"""Pages of moderation: flag an item, one's flags, the review queue, an item, decisions, appeals,
the community rules and the transparency page. Glue only: selectors, forms, services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from forum.accounts import enrolment
from forum.accounts.decorators import privileged_required
from forum.accounts.permissions import SecondFactorRequired

from . import forms, items, permissions, selectors, services
from .models import HOLD_REASONS, Action, Appeal, Reason, ReviewItem, Rule, WatchedWord


def _refused(request, error: PermissionDenied, status: int = 403):
    reason = str(error) if error.args else ""
    enrol_url = enrolment.enrol_url_for(request) if isinstance(error, SecondFactorRequired) else None
    return render(request, "discussions/refused.html", {"reason": reason, "enrol_url": enrol_url}, status=status)


# --- Flagging ------------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def flag(request, kind, item_id):
    adapter = items.adapter(kind)
    obj = adapter.load(item_id)
    existing = selectors.my_flag_on(viewer=request.user, kind=kind, object_id=obj.pk)
    try:
        if existing is None:
            permissions.check_flag_item(request.user, adapter, obj)
        else:  # the flagger comes back: they may read it only as long as everyone may
            permissions.check_reread_flagged_item(request.user, adapter, obj)
    except PermissionDenied as e:
        return _refused(request, e)
    form = forms.FlagForm(request.POST or None)
    status = 200
    if request.method == "POST" and existing is None and form.is_valid():
        try:
            services.flag_create(actor=request.user, kind=kind, object_id=obj.pk, **form.cleaned_data)
        except ValidationError as e:
            forms.add_service_errors(form, e)
            status = 400
        except PermissionDenied as e:
            return _refused(request, e)
        else:
            messages.success(request, _("Thank you. The moderators will review your flag."))
            return redirect(adapter.url(obj))
    elif request.method == "POST":
        status = 400
    twice = (_("You have already flagged this. The moderators will review it; your flag's state is on your "
               "flags page.") if existing is not None and request.method == "POST" else "")
    return render(request, "moderation/flag_form.html", {
        "form": form, "existing": existing, "kind": kind, "obj": obj, "excerpt": adapter.excerpt(obj),
        "item_url": adapter.url(obj), "title": adapter.title(obj), "rules": selectors.active_rules(),
        "twice": twice,
    }, status=status)


@login_required
def my_flags(request):
    try:
        flags = selectors.my_flags(viewer=request.user)
    except PermissionDenied as e:
        return _refused(request, e)
    return render(request, "moderation/my_flags.html", {"flags": flags})


# --- The queue -----------------------------------------------------------------------------------

@privileged_required
def queue(request):
    filters = selectors.QueueFilters.from_query(request.GET)
    try:
        entries = selectors.queue_for_moderator(viewer=request.user, filters=filters)
    except PermissionDenied as e:
        return _refused(request, e)
    return render(request, "moderation/queue.html", {
        "entries": entries, "filters": filters, "states": ReviewItem.State.choices, "reasons": Reason.choices,
        "categories": selectors.queue_categories(request.user),
        "sessions": selectors.queue_sessions(request.user),
        "appeals": selectors.appeals_waiting(viewer=request.user),
    })


def _item_page(request, item, *, form=None, approve_form=None, status=200):
    adapter = items.adapter(item.kind)
    try:
        content = adapter.load(item.object_id)
    except Http404:
        content = None
    author = item.author
    return render(request, "moderation/item.html", {
        "item": item, "content": content, "flags": list(item.flags.select_related("reporter")),
        "history": selectors.item_history(item), "form": form or forms.ActionForm(
            initial={"days": services.suggested_days(author) if author else None}),
        "excerpt": adapter.excerpt(content) if content is not None else "",
        "content_url": adapter.url(content) if content is not None else "",
        "title": adapter.title(content) if content is not None else "",
        "may_act": permissions.allows(permissions.check_act_on_item, request.user, item),
        "claimed_by_other": permissions.claim_holds(item, request.user),
        "conflict": permissions.conflict_of_interest(request.user, author),
        "awaiting": content is not None and bool(getattr(adapter, "is_awaiting", None)
                                                 and adapter.is_awaiting(content)),
        "hold_reasons": [str(HOLD_REASONS[r]) for r in item.reasons if r in HOLD_REASONS],
        "approve_form": approve_form or forms.ApproveForm(),
        "content_actions": _content_actions(item, content),
    }, status=status)


def _content_actions(item, content) -> list[dict]:
    """Links to the edit-for-policy and thread pages (posts only; other kinds have none)."""
    if item.kind != "post" or content is None or content.deleted_at is not None:
        return []
    return [{"url": reverse("moderation:post_edit", kwargs={"post_id": content.pk}), "label": _("Edit for policy")},
            {"url": reverse("moderation:thread", kwargs={"thread_id": content.thread_id}),
             "label": _("Lock, move or split the thread")}]


@privileged_required
def item_detail(request, item_id):
    try:
        item = selectors.item_for_moderator(item_id=item_id, viewer=request.user)
    except PermissionDenied as e:
        return _refused(request, e)
    return _item_page(request, item)


@privileged_required
@require_POST
def item_claim(request, item_id):
    try:
        item = selectors.item_for_moderator(item_id=item_id, viewer=request.user)
        services.item_claim(actor=request.user, item=item, release=request.POST.get("release") == "1")
    except PermissionDenied as e:
        return _refused(request, e)
    return redirect("moderation:item", item_id=item.pk)


def _decide_on_item(request, item_id, *, form, form_name: str, service, done: str):
    """POST on an item page: the form, then the service; a refusal or a field error re-renders the
    item page with the form and its errors (400), success goes back to the queue with `done`."""
    try:
        item = selectors.item_for_moderator(item_id=item_id, viewer=request.user)
    except PermissionDenied as e:
        return _refused(request, e)
    if not form.is_valid():
        return _item_page(request, item, status=400, **{form_name: form})
    try:
        service(actor=request.user, item=item, **form.cleaned_data)
    except ValidationError as e:
        forms.add_service_errors(form, e)
        return _item_page(request, item, status=400, **{form_name: form})
    except PermissionDenied as e:
        return _refused(request, e)
    messages.success(request, done)
    return redirect("moderation:queue")


@privileged_required
@require_POST
def item_act(request, item_id):
    return _decide_on_item(request, item_id, form=forms.ActionForm(request.POST), form_name="form",
                           service=services.item_act, done=_("Done. The decision is recorded in the audit log."))


@privileged_required
@require_POST
def item_approve(request, item_id):
    """Publish an item held by pre-moderation (a moderator in scope)."""
    return _decide_on_item(request, item_id, form=forms.ApproveForm(request.POST), form_name="approve_form",
                           service=services.item_approve,
                           done=_("Approved: it is published, and its readers hear of it as usual."))


# --- Decisions and appeals -----------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def action_detail(request, action_id):
    action = selectors.action_for_subject(action_id=action_id, viewer=request.user)
    appeal = Appeal.objects.filter(action=action).first()
    may_appeal = permissions.allows(permissions.check_appeal_action, request.user, action)
    form = forms.AppealForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.appeal_create(actor=request.user, action=action, **form.cleaned_data)
            except ValidationError as e:
                forms.add_service_errors(form, e)
                status = 400
            except PermissionDenied as e:
                return _refused(request, e)
            else:
                messages.success(request, _("Your appeal was sent. Another moderator will decide it."))
                return redirect("moderation:action", action_id=action.pk)
        else:
            status = 400
    return render(request, "moderation/action.html", {
        "action": action, "appeal": appeal, "may_appeal": may_appeal, "form": form,
        "is_subject": action.subject_id == request.user.pk,
    }, status=status)


@privileged_required
@require_http_methods(["GET", "POST"])
def appeal_decide(request, appeal_id):
    appeal = get_object_or_404(Appeal.objects.select_related("action", "action__rule", "action__item",
                                                             "action__item__category", "action__item__author"),
                               pk=appeal_id)
    try:
        permissions.check_decide_appeal(request.user, appeal)
    except PermissionDenied as e:
        return _refused(request, e)
    form = forms.DecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.appeal_decide(actor=request.user, appeal=appeal, **form.cleaned_data)
            except ValidationError as e:
                forms.add_service_errors(form, e)
                status = 400
            except PermissionDenied as e:
                return _refused(request, e)
            else:
                messages.success(request, _("The appeal is decided; the member is told."))
                return redirect("moderation:queue")
        else:
            status = 400
    return render(request, "moderation/appeal_decide.html", {"appeal": appeal, "form": form}, status=status)


# --- Rules and figures ---------------------------------------------------------------------------

@login_required
def rules(request):
    try:
        permissions.check_view_rules(request.user)
    except PermissionDenied as e:
        return _refused(request, e)
    return render(request, "moderation/rules.html", {
        "rules": selectors.active_rules() if not permissions.allows(permissions.check_manage_rules, request.user, None)
        else list(Rule.objects.all()),
        "may_manage": permissions.allows(permissions.check_manage_rules, request.user, None),
    })


@privileged_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, rule_id=None):
    rule = get_object_or_404(Rule, pk=rule_id) if rule_id is not None else None
    try:
        permissions.check_manage_rules(request.user)
    except PermissionDenied as e:
        return _refused(request, e)
    form = forms.RuleForm(request.POST or None, instance=rule)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                services.rule_save(actor=request.user, rule=Rule.objects.get(pk=rule.pk) if rule else None, **fields)
            except ValidationError as e:
                forms.add_service_errors(form, e)
                status = 400
            else:
                messages.success(request, _("The rule is saved."))
                return redirect("moderation:rules")
        else:
            status = 400
    return render(request, "moderation/rule_form.html", {"form": form, "rule": rule}, status=status)


@login_required
def transparency(request):
    try:
        permissions.check_view_transparency(request.user)
    except PermissionDenied as e:
        return _refused(request, e)
    months, per_rule = selectors.transparency_figures()
    kinds = Action.Kind.choices
    peak = max((m.total for m in months), default=0)
    return render(request, "moderation/transparency.html", {
        "months": months, "per_rule": per_rule, "kinds": kinds, "peak": peak,
        "chart": _chart(months, kinds, peak),
    })


CHART_HEIGHT = 160
BAR_WIDTH = 28
BAR_GAP = 12


def _chart(months, kinds, peak) -> dict:
    """Geometry of the stacked bar chart (one bar per month, one segment per kind): computed here,
    drawn by the template as inline SVG (no script, no third party)."""
    bars = []
    for index, month in enumerate(months):
        y = CHART_HEIGHT
        segments = []
        for position, (kind, label) in enumerate(kinds):
            n = month.by_kind.get(kind, 0)
            if not n:
                continue
            height = round(CHART_HEIGHT * n / peak, 1) if peak else 0
            y -= height
            segments.append({"kind": kind, "label": label, "n": n, "y": round(y, 1), "height": height,
                             "series": position})
        bars.append({"x": index * (BAR_WIDTH + BAR_GAP) + BAR_GAP, "month": month, "segments": segments})
    return {"bars": bars, "width": max(len(months), 1) * (BAR_WIDTH + BAR_GAP) + BAR_GAP, "height": CHART_HEIGHT,
            "bar_width": BAR_WIDTH}


# --- Watched words -------------------------------------------------------------------------------

@privileged_required
@require_http_methods(["GET", "POST"])
def words(request):
    """The watched words (administrators): the list, and a form to add one."""
    try:
        listed = selectors.watched_words(viewer=request.user)
    except PermissionDenied as e:
        return _refused(request, e)
    form = forms.WatchedWordForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.word_save(actor=request.user, **form.cleaned_data)
            except ValidationError as e:
                forms.add_service_errors(form, e)
                status = 400
            except PermissionDenied as e:
                return _refused(request, e)
            else:
                messages.success(request, _("The word is on the list; it applies to what is written from now on."))
                return redirect("moderation:words")
        else:
            status = 400
    return render(request, "moderation/words.html", {"words": listed, "form": form}, status=status)


@privileged_required
@require_POST
def word_delete(request, word_id):
    try:
        permissions.check_manage_words(request.user)
    except PermissionDenied as e:
        return _refused(request, e)
    word = get_object_or_404(WatchedWord, pk=word_id)
    services.word_delete(actor=request.user, word=word)
    messages.success(request, _("The word is off the list."))
    return redirect("moderation:words")
