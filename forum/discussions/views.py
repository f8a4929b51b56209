"""Thread pages: glue between selectors, forms and services. Everything works without JavaScript."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.shortcuts import render as django_render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forum.accounts import enrolment
from forum.accounts.decorators import privileged_required
from forum.accounts.permissions import SecondFactorRequired
from forum.categories import selectors as category_selectors
from forum.core.availability import TemporarilyUnavailable

from . import cards, forms, permissions, selectors, services, unread


@functools.cache
def _static_exists(path: str) -> bool:
    from django.contrib.staticfiles import finders

    return bool(finders.find(path))


def render(request, template, context=None, status=200):
    """Every page here may carry the editor (static/js/editor.js, css/editor.css) once it exists."""
    context = dict(context or {})
    context.setdefault("editor_script", _static_exists("js/editor.js"))
    context.setdefault("editor_css", _static_exists("css/editor.css"))
    return django_render(request, template, context, status=status)


def _refused(request, error: PermissionDenied, status: int = 403):
    """The reason, translated; a moderator without a second factor also gets the way to enrol and back."""
    reason = str(error) if error.args else ""
    enrol_url = enrolment.enrol_url_for(request) if isinstance(error, SecondFactorRequired) else None
    return render(request, "discussions/refused.html", {"reason": reason, "enrol_url": enrol_url}, status=status)


def _thread_or_login(request, thread_id):
    """The thread, or a redirect to sign in for visitors (they may be members not signed in yet)."""
    try:
        return selectors.thread_get_for_viewer(thread_id=thread_id, viewer=request.user), None
    except Http404:
        if not request.user.is_authenticated:
            return None, redirect_to_login(request.get_full_path())
        raise


def refusal_status(error: Exception) -> int:
    """The status every door here answers a service's refusal with: 400 bad input, 429 too fast,
    403 not allowed, 503 a service the write needs (the Redis cache) is down."""
    if isinstance(error, TemporarilyUnavailable):
        return 503
    if isinstance(error, PermissionDenied):
        return 403
    codes = {getattr(e, "code", None) for e in error.error_list} if not hasattr(error, "error_dict") else {
        getattr(e, "code", None) for errors in error.error_dict.values() for e in errors}
    return 429 if "rate_limited" in codes else 400


class Submitted(NamedTuple):
    """What `submit` made of a service call: its result, or why not."""

    result: Any = None  # what the service returned, when it went through
    status: int = 200  # a refusal: 400 bad input, 429 too fast, 403 not allowed, 503 the cache is down
    page: HttpResponse | None = None  # the refusal page to answer with instead of the form (`denied_page`)


def submit(request, form, write: Callable[[], Any], *, denied_page: bool = False) -> Submitted:
    """Call a service (`write()`) for a valid form; its refusal goes on the form, translated, with the
    status to answer it with. With `denied_page`, "not allowed" is the refusal page instead (with the
    way to enrol a second factor when that is what is missing)."""
    try:
        return Submitted(result=write())
    except ValidationError as e:
        forms.add_service_errors(form, e)
        return Submitted(status=refusal_status(e))
    except (PermissionDenied, TemporarilyUnavailable) as e:
        if denied_page and isinstance(e, PermissionDenied):
            return Submitted(status=403, page=_refused(request, e))
        form.add_error(None, str(e))
        return Submitted(status=refusal_status(e))


def _wants_preview(request) -> bool:
    return request.method == "POST" and bool(request.POST.get("preview"))


def _preview(request, form) -> Submitted:
    """The editor's "Preview" button (no JavaScript): `services.post_preview`, as POST /preview/ does;
    nothing is saved. Its refusal (too long, too complex, too fast, not allowed) is on the form."""
    return submit(request, form, lambda: services.post_preview(actor=request.user,
                                                               source=form.cleaned_data.get("source") or ""))


@require_GET
def thread(request, thread_id):
    thread, login = _thread_or_login(request, thread_id)
    if login:
        return login
    view = selectors.FLAT if request.GET.get("view") == selectors.FLAT else selectors.TREE
    page = selectors.thread_page_for_viewer(
        thread=thread, viewer=request.user, view=view,
        after=selectors.parse_cursor(view, request.GET.get("after")),
        before=selectors.parse_cursor(view, request.GET.get("before")),
    )
    # Before the view is recorded: afterwards everything on this page counts as read.
    first_unread_id = unread.first_unread_post_id(request.user, thread)
    post_list = cards.render_post_list(page.posts, request=request, can_reply=page.can_reply,
                                       first_unread_id=first_unread_id)
    services.thread_viewed(viewer=request.user, thread=thread, last_post_id=page.last_post_id)
    form = forms.ReplyForm() if page.can_reply else None
    return render(request, "discussions/thread_detail.html", {
        "page": page, "thread": thread, "form": form, "post_list": post_list, "first_unread_id": first_unread_id,
        "can_speak_for_organisation": page.can_speak_for_organisation,
    })


@require_GET
def post(request, post_id):
    """Permalink: the page that shows the post, at its anchor (highlighted by :target)."""
    try:
        p = selectors.post_get_for_viewer(post_id=post_id, viewer=request.user)
    except Http404:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise
    view = selectors.FLAT if request.GET.get("view") == selectors.FLAT else selectors.TREE
    return redirect(selectors.post_page_url(post=p, viewer=request.user, view=view))


@require_GET
def post_fragment(request, thread_id, post_id):
    """One post rendered alone, for live updates inserting it into an open page."""
    thread, login = _thread_or_login(request, thread_id)
    if login:
        return login
    p = selectors.post_get_for_viewer(post_id=post_id, viewer=request.user)
    if p.thread_id != thread.pk:
        raise Http404
    selectors.decorate_posts([p], thread=thread, viewer=request.user,
                             reactions=services.reactions_for(thread.category),
                             view=request.GET.get("view") or selectors.TREE)
    can_reply = permissions.allows(permissions.check_reply_to_thread, request.user, thread)
    return render(request, "discussions/_post.html", {"post": p, "thread": thread, "can_reply": can_reply,
                                                      "view": request.GET.get("view") or selectors.TREE})


@login_required
@require_http_methods(["GET", "POST"])
def thread_create(request, slug):
    category = category_selectors.category_get_for_viewer(slug=slug, viewer=request.user)
    try:
        permissions.check_start_thread(request.user, category)
    except PermissionDenied as e:
        return _refused(request, e)
    speaks = permissions.allows(permissions.check_speak_for_organisation, request.user, None)
    status, preview_html = 200, None
    form = forms.ThreadForm(request.POST or None)
    if request.method == "POST":
        status = 400
        if form.is_valid() and _wants_preview(request):
            preview_html, status = _preview(request, form)[:2]
        elif form.is_valid():
            done = submit(request, form, lambda: services.thread_create(author=request.user, category=category,
                                                                        **form.cleaned_data))
            if done.result:
                return redirect(done.result)
            status = done.status
    return render(request, "discussions/thread_form.html",
                  {"category": category, "form": form, "can_speak_for_organisation": speaks,
                   "preview_html": preview_html}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def reply(request, thread_id, post_id=None):
    """The reply page (and the target of every reply form): answers `post_id`, or the opening post."""
    thread = selectors.thread_get_for_viewer(thread_id=thread_id, viewer=request.user)
    try:
        permissions.check_reply_to_thread(request.user, thread)
    except PermissionDenied as e:
        return _refused(request, e)
    parent = None
    if post_id is not None:
        parent = selectors.post_get_for_viewer(post_id=post_id, viewer=request.user)
        if parent.thread_id != thread.pk:
            raise Http404
    status = 200
    preview_html = None
    if request.method == "POST":
        form = forms.ReplyForm(request.POST)
        status = 400
        if form.is_valid() and _wants_preview(request):
            preview_html, status = _preview(request, form)[:2]
        elif form.is_valid():
            data = form.cleaned_data
            target = data.get("parent") or (parent.pk if parent else None)
            done = submit(request, form, lambda: services.post_create(
                author=request.user, thread=thread, source=data["source"], parent=target,
                on_behalf_of=data["on_behalf_of"]))
            if done.result:
                return redirect(done.result)
            status = done.status
    else:
        initial = {"parent": parent.pk if parent else ""}
        if (parent is not None and request.GET.get("quote")
                and parent.deleted_at is None and parent.hidden_at is None):
            initial["source"] = selectors.quote_markdown(parent)
        form = forms.ReplyForm(initial=initial)
    speaks = permissions.allows(permissions.check_speak_for_organisation, request.user, None)
    if parent is not None:
        selectors.decorate_posts([parent], thread=thread, viewer=request.user,
                                 reactions=services.reactions_for(thread.category))
    return render(request, "discussions/reply_form.html",
                  {"thread": thread, "parent": parent, "form": form, "can_speak_for_organisation": speaks,
                   "preview_html": preview_html}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request, post_id):
    p = selectors.post_get_for_viewer(post_id=post_id, viewer=request.user)
    try:
        permissions.check_edit_post(request.user, p)
    except PermissionDenied as e:
        return _refused(request, e)
    status = 200
    opening = p.depth == 0
    form_class = forms.OpeningPostEditForm if opening else forms.EditForm
    form = form_class(request.POST or None, initial={"source": p.source, "title": p.thread.title})
    preview_html = None

    @transaction.atomic
    def edit():
        if opening:
            services.thread_rename(actor=request.user, thread=p.thread, title=form.cleaned_data["title"])
        return services.post_edit(actor=request.user, post=p, source=form.cleaned_data["source"])

    if request.method == "POST":
        status = 400
        if form.is_valid() and _wants_preview(request):
            preview_html, status = _preview(request, form)[:2]
        elif form.is_valid():
            done = submit(request, form, edit, denied_page=True)
            if done.page:
                return done.page
            if done.result:
                return redirect(p)
            status = done.status
    return render(request, "discussions/post_edit.html", {"post": p, "form": form, "preview_html": preview_html},
                  status=status)


@login_required
@require_http_methods(["GET", "POST"])
def post_delete(request, post_id):
    p = selectors.post_get_for_viewer(post_id=post_id, viewer=request.user)
    try:
        permissions.check_delete_post(request.user, p)
        if request.method == "POST":
            services.post_delete(actor=request.user, post=p)
            return redirect(p)
    except PermissionDenied as e:
        return _refused(request, e)
    return render(request, "discussions/post_delete.html", {"post": p})


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# "<post id> <reaction>": the value of a reaction button on a thread page (see `react`).
_REACTION_VALUE = re.compile(r"([0-9]{1,18}) (\S.*)", re.S)


@login_required
@require_POST
def react(request):
    """Toggle a reaction from a thread page. The page has one reactions form (one CSRF token); each
    post's buttons point at it (`form="react"`) and carry the post with the reaction, "12 👍".
    Answers like `post_react`; a value that is not "<number> <reaction>" is refused, nothing changed."""
    match = _REACTION_VALUE.fullmatch(request.POST.get("r", ""))
    if match is None:
        reason = _("This reaction could not be read. Reload the page and try again.")
        if _wants_json(request):
            return JsonResponse({"error": reason}, status=400)
        return render(request, "discussions/refused.html", {"reason": reason}, status=400)
    return _toggle_reaction(request, int(match[1]), match[2])


@login_required
@require_http_methods(["GET", "POST"])
def post_react(request, post_id):
    """GET: the reactions the post can be given, as a page of buttons (a card's "Add a reaction"
    without JavaScript; with it, the thread script opens them in place). POST: toggle a reaction;
    the form reloads the page, the thread script (static/js/discussions.js) asks for JSON instead
    and updates the buttons in place."""
    if request.method == "POST":
        return _toggle_reaction(request, post_id, request.POST.get("emoji", ""))
    p = selectors.post_get_for_viewer(post_id=post_id, viewer=request.user)
    try:
        permissions.check_react_to_post(request.user, p)
    except PermissionDenied as e:
        return _refused(request, e)
    selectors.decorate_posts([p], thread=p.thread, viewer=request.user,
                             reactions=services.reactions_for(p.thread.category))
    return render(request, "discussions/post_react.html", {"post": p, "thread": p.thread})


def _toggle_reaction(request, post_id: int, emoji: str):
    p = selectors.post_get_for_viewer(post_id=post_id, viewer=request.user)
    try:
        services.reaction_toggle(actor=request.user, post=p, emoji=emoji)
    except PermissionDenied as e:
        if _wants_json(request):
            return JsonResponse({"error": str(e)}, status=403)
        return _refused(request, e)
    except ValidationError as e:
        if _wants_json(request):
            return JsonResponse({"error": " ".join(e.messages)}, status=400)
        return render(request, "discussions/refused.html", {"reason": " ".join(e.messages)}, status=400)
    if _wants_json(request):
        selectors.decorate_posts([p], thread=p.thread, viewer=request.user,
                                 reactions=services.reactions_for(p.thread.category))
        return JsonResponse({"reactions": [{"emoji": r["emoji"], "count": r["count"], "mine": r["mine"],
                                            "who": r["who"]} for r in p.reaction_buttons]})
    return redirect(p)


@require_GET
def post_reactions(request, post_id):
    p = selectors.post_get_for_viewer(post_id=post_id, viewer=request.user)
    reactions = selectors.reactions_of_post(post=p, viewer=request.user)
    return render(request, "discussions/post_reactions.html", {"post": p, "reactions": reactions})


@require_GET
def post_revisions(request, post_id):
    p = selectors.post_get_for_viewer(post_id=post_id, viewer=request.user)
    try:
        versions = selectors.post_revisions_for_viewer(post=p, viewer=request.user)
    except PermissionDenied as e:
        return _refused(request, e)
    return render(request, "discussions/post_revisions.html", {"post": p, "versions": list(reversed(versions))})


def _moderate(request, thread_id, action):
    thread = selectors.thread_get_for_viewer(thread_id=thread_id, viewer=request.user)
    try:
        action(thread)
    except PermissionDenied as e:
        return _refused(request, e)
    return redirect(thread)


@privileged_required
@require_POST
def thread_pin(request, thread_id):
    pinned = request.POST.get("pinned") == "1"
    return _moderate(request, thread_id, lambda t: services.thread_pin(actor=request.user, thread=t, pinned=pinned))
