"""Poll pages and forms: glue between selectors, forms and services. Everything works without
JavaScript; static/js/polls.js only refreshes the results when the thread's socket says they moved."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forum.categories import selectors as category_selectors
from forum.core.availability import TemporarilyUnavailable
from forum.discussions import permissions as thread_permissions
from forum.discussions import selectors as thread_selectors
from forum.discussions import services as thread_services
from forum.discussions.views import _refused, refusal_status, submit

from . import forms, permissions, selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def poll_create(request, thread_id):
    """Add a poll to a thread that has none (its author or a moderator)."""
    thread = thread_selectors.thread_get_for_viewer(thread_id=thread_id, viewer=request.user)
    try:
        permissions.check_create_poll(request.user, thread)
    except PermissionDenied as e:
        return _refused(request, e)
    form = forms.PollForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            done = submit(request, form, lambda: services.poll_create(actor=request.user, thread=thread,
                                                                      **form.poll_fields()))
            if done.result:
                return redirect(done.result)
            status = done.status
    return render(request, "polls/poll_form.html", {"thread": thread, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def thread_create(request, slug):
    """Open a thread with a poll, in one step (the thread's own service, then the poll's, in one
    transaction: a refused poll leaves no thread behind)."""
    category = category_selectors.category_get_for_viewer(slug=slug, viewer=request.user)
    try:
        thread_permissions.check_start_thread(request.user, category)
    except PermissionDenied as e:
        return _refused(request, e)
    form = forms.ThreadWithPollForm(request.POST or None)
    status = 200

    @transaction.atomic
    def write():
        thread = thread_services.thread_create(author=request.user, category=category,
                                               title=form.cleaned_data["title"], source=form.cleaned_data["source"])
        return services.poll_create(actor=request.user, thread=thread, **form.poll_fields())

    if request.method == "POST":
        status = 400
        if form.is_valid():
            done = submit(request, form, write)
            if done.result:
                return redirect(done.result)
            status = done.status
    return render(request, "polls/thread_form.html", {"category": category, "form": form}, status=status)


def _poll_or_login(request, poll_id):
    """The poll, or a redirect to sign in for visitors (they may be members not signed in yet)."""
    try:
        return selectors.poll_get_for_viewer(poll_id=poll_id, viewer=request.user), None
    except Http404:
        if not request.user.is_authenticated:
            return None, redirect_to_login(request.get_full_path())
        raise


@require_POST
def vote(request, poll_id):
    """Cast or change a ballot. Refusals (already voted, closed, not one's to cast, a bad ballot) are
    shown on the poll's own page with the reason, and nothing is counted."""
    poll, login = _poll_or_login(request, poll_id)
    if login:
        return login
    form = forms.VoteForm(request.POST, poll=poll)
    error, status = "", 400
    if form.is_valid():
        try:
            services.ballot_cast(voter=request.user, poll=poll, option_ids=form.option_ids(),
                                 replaces=form.cleaned_data.get("replaces"))
        except (ValidationError, PermissionDenied, TemporarilyUnavailable) as e:
            error, status = _message(e), refusal_status(e)
        else:
            return redirect(poll.get_absolute_url())
    else:
        error = _("This form is out of date: reload the page.")
    view = selectors.poll_view_for_viewer(poll=poll, viewer=request.user)
    return render(request, "polls/poll_page.html", {"view": view, "thread": poll.thread, "vote_error": error,
                                                    "submitted": _submitted(request)}, status=status)


def _message(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) if error.args else ""


def _submitted(request) -> dict:
    return {"choices": request.POST.getlist("choices"),
            "ranks": {k.removeprefix("rank-"): v for k, v in request.POST.items() if k.startswith("rank-")}}


@require_GET
def poll_page(request, poll_id):
    """The poll alone (the target of refusals, and a page to link to)."""
    poll, login = _poll_or_login(request, poll_id)
    if login:
        return login
    view = selectors.poll_view_for_viewer(poll=poll, viewer=request.user)
    return render(request, "polls/poll_page.html", {"view": view, "thread": poll.thread})


@require_GET
def results(request, poll_id):
    """The results section alone, as the reader may see it now (live pages fetch it)."""
    poll, login = _poll_or_login(request, poll_id)
    if login:
        return login
    view = selectors.poll_view_for_viewer(poll=poll, viewer=request.user)
    return render(request, "polls/_results.html", {"view": view})


@login_required
@require_POST
def close(request, poll_id):
    poll = selectors.poll_get_for_viewer(poll_id=poll_id, viewer=request.user)
    try:
        services.poll_close(actor=request.user, poll=poll)
    except PermissionDenied as e:
        return _refused(request, e)
    return redirect(poll.get_absolute_url())
