"""Pages of the actions on content beyond hide and delete — edit a post for policy; lock, move or
split a thread — and of the sanctions awaiting a second moderator. Glue only: each form posts
without JavaScript, errors come back on the page (400) with nothing changed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from forum.accounts.decorators import privileged_required
from forum.categories import permissions as category_permissions
from forum.discussions.models import Post, Thread

from . import actions, forms, permissions, selectors
from .views import _refused

DONE = gettext_lazy("Done. The decision is recorded in the audit log.")


# --- Edit a post for policy ------------------------------------------------------------------------

def _post_for_moderator(post_id, viewer) -> Post:
    post = Post.objects.select_related("thread", "thread__category", "author").filter(pk=post_id).first()
    if post is None:
        raise Http404
    return post


@privileged_required
@require_http_methods(["GET", "POST"])
def post_edit_for_policy(request, post_id):
    post = _post_for_moderator(post_id, request.user)
    try:
        permissions.check_edit_post_for_policy(request.user, post)
    except PermissionDenied as e:
        return _refused(request, e)
    form = forms.PolicyEditForm(request.POST or None, initial={"source": post.source})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                actions.post_edit_for_policy(actor=request.user, post=post, **form.cleaned_data)
            except ValidationError as e:
                forms.add_service_errors(form, e)
            except PermissionDenied as e:
                return _refused(request, e)
            else:
                messages.success(request, DONE)
                return redirect(post)
    return render(request, "moderation/post_edit_for_policy.html", {"post": post, "form": form}, status=status)


# --- Lock, move, split a thread ------------------------------------------------------------------

def _thread_for_moderator(thread_id, viewer, *, deleted_too: bool = False) -> Thread:
    """The thread, for a moderator in its scope (Http404 where they may not see it, a named refusal
    where they see it but do not moderate it); a deleted one only for the page and its restore."""
    thread = Thread.objects.select_related("category", "author").filter(pk=thread_id).first()
    if thread is None or (thread.deleted_at is not None and not deleted_too):
        raise Http404
    permissions.check_lock_thread(viewer, thread)
    return thread


def _split_choices(thread: Thread) -> list[tuple[int, str]]:
    rows = (Post.objects.filter(thread=thread, depth__gt=0).order_by("path")
            .values_list("pk", "depth", "html", "author__display_name", "deleted_at"))
    out = []
    for pk, depth, html, name, deleted_at in rows:
        text = _("(deleted)") if deleted_at else Truncator(" ".join(strip_tags(html).split())).chars(80)
        out.append((pk, f"{'— ' * (depth - 1)}#{pk} · {name}: {text}"))
    return out


def _thread_page(request, thread, *, lock=None, move=None, split=None, delete=None, status=200):
    targets = category_permissions.moderated_categories(request.user)
    return render(request, "moderation/thread_actions.html", {
        "thread": thread,
        "lock_form": lock or forms.LockForm(initial={"locked": "0" if thread.locked else "1"}),
        "move_form": move or forms.MoveForm(categories=targets.exclude(pk=thread.category_id)),
        "split_form": split or forms.SplitForm(categories=targets, posts=_split_choices(thread),
                                               initial={"category": thread.category_id}),
        "delete_form": delete or forms.ThreadDeleteForm(),
    }, status=status)


@privileged_required
def thread_actions(request, thread_id):
    try:
        thread = _thread_for_moderator(thread_id, request.user, deleted_too=True)
    except PermissionDenied as e:
        return _refused(request, e)
    return _thread_page(request, thread)


def _thread_action(request, thread_id, *, name: str, make_form, call, deleted_too: bool = False):
    """POST of one of the thread page's forms: the thread in the moderator's scope, the form, then
    the action; a refusal renders the named refusal, a field error the page with the form (400).
    Returns the action, or the response to send instead."""
    try:
        thread = _thread_for_moderator(thread_id, request.user, deleted_too=deleted_too)
    except PermissionDenied as e:
        return None, _refused(request, e)
    form = make_form(thread)
    if form.is_valid():
        try:
            action = call(thread, form.cleaned_data)
        except ValidationError as e:
            forms.add_service_errors(form, e)
        except PermissionDenied as e:
            return None, _refused(request, e)
        else:
            messages.success(request, DONE)
            return action, redirect(thread)
    return None, _thread_page(request, thread, status=400, **{name: form})


@privileged_required
@require_POST
def thread_lock(request, thread_id):
    _action, response = _thread_action(
        request, thread_id, name="lock", make_form=lambda thread: forms.LockForm(request.POST),
        call=lambda thread, data: actions.thread_lock(actor=request.user, thread=thread, **data))
    return response


@privileged_required
@require_POST
def thread_delete(request, thread_id):
    _action, response = _thread_action(
        request, thread_id, name="delete", make_form=lambda thread: forms.ThreadDeleteForm(request.POST),
        call=lambda thread, data: actions.thread_delete(actor=request.user, thread=thread, deleted=True, **data))
    return response


@privileged_required
@require_POST
def thread_restore(request, thread_id):
    _action, response = _thread_action(
        request, thread_id, name="delete", make_form=lambda thread: forms.ThreadDeleteForm(request.POST),
        call=lambda thread, data: actions.thread_delete(actor=request.user, thread=thread, deleted=False, **data),
        deleted_too=True)
    return response


@privileged_required
@require_POST
def thread_move(request, thread_id):
    # Any category the moderator may see: one they do not moderate is refused by name, not as "invalid".
    _action, response = _thread_action(
        request, thread_id, name="move",
        make_form=lambda thread: forms.MoveForm(request.POST,
                                                categories=category_permissions.visible_categories(request.user)),
        call=lambda thread, data: actions.thread_move(actor=request.user, thread=thread, **data))
    return response


@privileged_required
@require_POST
def thread_split(request, thread_id):
    action, response = _thread_action(
        request, thread_id, name="split",
        make_form=lambda thread: forms.SplitForm(request.POST,
                                                 categories=category_permissions.visible_categories(request.user),
                                                 posts=_split_choices(thread)),
        call=lambda thread, data: actions.thread_split(
            actor=request.user, thread=thread, post_ids=data["posts"], category=data["category"],
            title=data["title"], rule=data["rule"], note=data["note"]))
    if action is None:
        return response
    return redirect("discussions:thread", thread_id=action.data["new_thread"])


# --- Sanctions awaiting a second moderator ---------------------------------------------------------

@privileged_required
def confirmations(request):
    try:
        pending = selectors.restrictions_awaiting_confirmation(viewer=request.user)
    except PermissionDenied as e:
        return _refused(request, e)
    return render(request, "moderation/confirmations.html", {"pending": pending})


@privileged_required
@require_POST
def confirmation_decide(request, restriction_id):
    from forum.accounts.models import Restriction

    restriction = Restriction.objects.select_related("user").filter(pk=restriction_id).first()
    if restriction is None or not permissions.is_queue_moderator(request.user):
        raise Http404
    still_pending = restriction.pending_confirmation and restriction.lifted_at is None
    if still_pending and not permissions.visible_pending_restrictions(request.user).filter(pk=restriction.pk).exists():
        raise Http404  # outside one's scope; a decided one is refused by name below
    form = forms.ConfirmationForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, error[0])
        return redirect("moderation:confirmations")
    try:
        actions.restriction_decide(actor=request.user, restriction=restriction,
                                   confirm=form.cleaned_data["decision"] == "confirm", note=form.cleaned_data["note"])
    except PermissionDenied as e:
        return _refused(request, e)
    except ValidationError as e:
        messages.error(request, e.messages[0])
        return redirect("moderation:confirmations")
    messages.success(request, _("The sanction is confirmed.") if form.cleaned_data["decision"] == "confirm"
                     else _("The sanction is withdrawn."))
    return redirect("moderation:confirmations")
