"""Glue of the accounts pages: profile, profile editing, account settings, data export, deletion."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forum.audit import permissions as audit_permissions

from . import permissions, selectors, services
from .forms import DeleteAccountForm, ProfileForm
from .models import Restriction


@login_required
def me(request):
    return redirect("accounts:profile", user_id=request.user.pk)


@login_required
def profile(request, user_id):
    target = selectors.profile_get_for_viewer(user_id=user_id, viewer=request.user)
    membership = permissions.membership(target)
    return render(request, "accounts/profile_detail.html", {
        "profile": target,
        "organisation": membership.organisation if membership else None,
        "badges": selectors.profile_badges(target),
        "is_own_profile": target.pk == request.user.pk,
    })


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    user = request.user
    permissions.check_edit_profile(user, user)
    if request.method == "POST":
        form = ProfileForm(request.POST, user=user)
        if form.is_valid():
            try:
                services.profile_update(user=user, actor=user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Your profile has been saved."))
                return redirect("accounts:profile", user_id=user.pk)
        user.refresh_from_db()
    else:
        form = ProfileForm(user=user, initial={"display_name": user.display_name, "bio": user.bio,
                                               "preferred_language": user.preferred_language})
    return render(request, "accounts/profile_edit.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def account_settings(request):
    user = request.user
    return render(request, "accounts/account_settings.html", {
        "needs_mfa": permissions.needs_mfa(user),
        "has_mfa": permissions.has_mfa(user),
        # Category moderators have no header link to the log (it would cost every page a query).
        "reads_audit_log": audit_permissions.audit_scope(user) != frozenset(),
    })


@login_required
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def data_export(request):
    """GET explains; POST (after confirming one's password) downloads everything as JSON."""
    user = request.user
    permissions.check_export_data(user, user)
    if request.method == "GET":
        return render(request, "accounts/data_export.html")
    body = services.personal_data_export_json(user=user, actor=user)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="madaniya-my-data-{user.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def account_delete(request):
    """GET asks for confirmation; POST (after confirming one's password) deletes and signs out."""
    user = request.user
    permissions.check_delete_account(user, user)
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_delete(user=user, actor=user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            logout(request)
            messages.success(request, _("Your account has been deleted. What you wrote stays, "
                                        "signed “Former member”."))
            return redirect("home")
    return render(request, "accounts/account_delete.html", {"form": form},
                  status=400 if form.errors else 200)


@login_required
@require_GET
def standing(request):
    """The member's own standing: why they cannot use the site (suspended or banned, and until when;
    observer access ended) and which mutes and warnings are in force. Where suspended members and
    expired observers land after signing in, instead of an empty list of categories."""
    return render(request, "accounts/standing.html", selectors.account_standing(request.user))


@login_required
@require_POST
def warning_seen(request, restriction_id):
    """The member acknowledges a warning; it is no longer shown as a notice."""
    try:
        warning = Restriction.objects.get(pk=restriction_id, user=request.user, kind=Restriction.Kind.WARNING)
    except Restriction.DoesNotExist:
        raise Http404 from None
    services.restriction_mark_seen(actor=request.user, restriction=warning)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = ""
    return redirect(next_url or "accounts:standing")


@login_required
@require_POST
def session_end(request, session_id):
    """Sign out one other session from the sessions page (allauth's `usersessions_list`)."""
    from allauth.usersessions.models import UserSession

    session = UserSession.objects.filter(pk=session_id).first()
    if session is None:
        raise Http404
    try:
        services.user_session_end(actor=request.user, session=session,
                                  current_session_key=request.session.session_key or "")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("That session is signed out."))
    return redirect("usersessions_list")
