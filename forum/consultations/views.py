"""Consultation pages: glue between selectors, forms and services. Every rule is in permissions.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from forum.accounts import enrolment
from forum.accounts import permissions as accounts
from forum.accounts.decorators import privileged_required
from forum.accounts.permissions import SecondFactorRequired

from . import exports, forms, permissions, selectors, services
from .models import Stance


def _refused(request, error: PermissionDenied, status: int = 403):
    """The reason, translated; someone who needs a second factor also gets the way to enrol and back."""
    reason = str(getattr(error, "message", "") or (error.args[0] if error.args else ""))
    enrol_url = enrolment.enrol_url_for(request) if isinstance(error, SecondFactorRequired) else None
    return render(request, "consultations/refused.html", {"reason": reason, "enrol_url": enrol_url}, status=status)


def _errors(form, error: ValidationError) -> None:
    """A service's ValidationError onto the form (fields it knows, the rest as form errors)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
@require_GET
def consultation_list(request):
    try:
        accounts.require_good_standing(request.user)
    except PermissionDenied as e:
        return _refused(request, e)
    return render(request, "consultations/consultation_list.html", {
        "consultations": selectors.consultations_for_viewer(viewer=request.user),
        "may_create": permissions.allows(permissions.check_create_consultation, request.user),
    })


@privileged_required
@require_http_methods(["GET", "POST"])
def consultation_create(request):
    try:
        permissions.check_create_consultation(request.user)
    except PermissionDenied as e:
        return _refused(request, e)
    form = forms.ConsultationForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                consultation = services.consultation_create(
                    actor=request.user, category=data["category"], title=data["title"], question=data["question"],
                    deadline=data["deadline"], sub_questions=form.sub_question_list(), organisers=data["organisers"])
            except ValidationError as e:
                _errors(form, e)
            except PermissionDenied as e:
                return _refused(request, e)
            else:
                messages.success(request, _("The consultation is open."))
                return redirect(consultation)
        status = 400
    return render(request, "consultations/consultation_form.html", {"form": form}, status=status)


def _with_answers(rows, sub_questions) -> None:
    """Each row's answers in the sub-questions' order, as (sub-question, text) pairs (answered ones)."""
    for row in rows:
        row.answer_list = [(sub, row.answers[str(sub.number)]) for sub in sub_questions
                           if row.answers.get(str(sub.number))]


def _detail_context(request, consultation) -> dict:
    user = request.user
    data = selectors.comparison(consultation=consultation, viewer=user, stance=request.GET.get("stance", ""))
    sub_questions = list(consultation.sub_questions.all())
    _with_answers(data.positions, sub_questions)
    own = selectors.own_position(consultation=consultation, viewer=user)
    reportable = {p.pk for p in data.positions if permissions.allows(permissions.check_report_position, user, p)}
    return {
        "consultation": consultation, "thread": consultation.thread, "data": data, "own": own,
        "sub_questions": sub_questions,
        "stances": Stance.choices, "reportable": reportable,
        "may_submit": permissions.allows(permissions.check_submit_position, user, consultation),
        "is_representative": accounts.is_representative(user),
        "may_publish": permissions.allows(permissions.check_publish_synthesis, user, consultation),
        "is_organiser": permissions.is_organiser(user, consultation),
    }


@login_required
@require_GET
def consultation_detail(request, consultation_id):
    consultation = selectors.consultation_for_viewer(consultation_id=consultation_id, viewer=request.user)
    context = _detail_context(request, consultation)
    if request.GET.get("fragment") == "comparison":  # what an open page fetches when told of a change
        return render(request, "consultations/_comparison.html", context)
    return render(request, "consultations/consultation_detail.html", context)


@privileged_required
@require_http_methods(["GET", "POST"])
def position_edit(request, consultation_id):
    consultation = selectors.consultation_for_viewer(consultation_id=consultation_id, viewer=request.user)
    own = selectors.own_position(consultation=consultation, viewer=request.user)
    try:
        if own is None:
            permissions.check_submit_position(request.user, consultation)
        else:
            permissions.check_revise_position(request.user, own)
    except PermissionDenied as e:
        return _refused(request, e)
    sub_questions = list(consultation.sub_questions.all())
    status = 200
    if request.method == "POST":
        form = forms.PositionForm(request.POST)
        answers = forms.answers_from(request.POST)
        if form.is_valid():
            try:
                position = services.position_submit(
                    actor=request.user, consultation=consultation, stance=form.cleaned_data["stance"],
                    source=form.cleaned_data["source"], answers=answers, base_revision=form.cleaned_data["revision"])
            except ValidationError as e:
                _errors(form, e)
            except PermissionDenied as e:
                return _refused(request, e)
            else:
                if position.awaiting_review:
                    messages.success(request, _("Your organisation's position is saved. It awaits the moderators' "
                                                "review: others will see it once it is approved."))
                else:
                    messages.success(request, _("Your organisation's position is saved."))
                return redirect(consultation)
        status = 400
    else:
        answers = dict(own.answers) if own else {}
        form = forms.PositionForm(initial={"stance": own.stance, "source": own.source, "revision": own.revision_count}
                                  if own else None)
    for sub in sub_questions:
        sub.answer = answers.get(str(sub.number), "")
    return render(request, "consultations/position_form.html", {
        "consultation": consultation, "form": form, "own": own, "sub_questions": sub_questions,
    }, status=status)


@login_required
@require_GET
def position_history(request, consultation_id, position_id):
    consultation = selectors.consultation_for_viewer(consultation_id=consultation_id, viewer=request.user)
    try:
        position = selectors.position_for_viewer(consultation=consultation, position_id=position_id,
                                                 viewer=request.user)
    except PermissionDenied as e:
        return _refused(request, e)
    revisions = selectors.revisions(position)
    _with_answers(revisions, list(consultation.sub_questions.all()))
    return render(request, "consultations/position_history.html", {
        "consultation": consultation, "position": position, "revisions": revisions,
    })


@privileged_required
@require_http_methods(["GET", "POST"])
def synthesis_edit(request, consultation_id):
    consultation = selectors.consultation_for_viewer(consultation_id=consultation_id, viewer=request.user)
    try:
        permissions.check_publish_synthesis(request.user, consultation)
    except PermissionDenied as e:
        return _refused(request, e)
    status = 200
    if request.method == "POST":
        form = forms.SynthesisForm(request.POST)
        if form.is_valid():
            try:
                services.synthesis_publish(actor=request.user, consultation=consultation,
                                           source=form.cleaned_data["source"])
            except ValidationError as e:
                _errors(form, e)
            except PermissionDenied as e:
                return _refused(request, e)
            else:
                messages.success(request, _("The synthesis is published."))
                return redirect(consultation)
        status = 400
    else:
        form = forms.SynthesisForm(initial={"source": consultation.synthesis_source})
    return render(request, "consultations/synthesis_form.html", {"consultation": consultation, "form": form},
                  status=status)


def _download(text: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def export_markdown(request, consultation_id):
    consultation = selectors.consultation_for_viewer(consultation_id=consultation_id, viewer=request.user)
    text = exports.consultation_markdown(actor=request.user, consultation=consultation)
    return _download(text, "text/markdown; charset=utf-8", f"consultation-{consultation.pk}.md")


@login_required
@require_GET
def export_csv(request, consultation_id):
    consultation = selectors.consultation_for_viewer(consultation_id=consultation_id, viewer=request.user)
    text = exports.consultation_csv(actor=request.user, consultation=consultation)
    return _download("\ufeff" + text, "text/csv; charset=utf-8", f"consultation-{consultation.pk}.csv")
