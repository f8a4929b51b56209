"""Glue of the accounts pages: profile, profile editing, account settings, data export, deletion."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import permissions, selectors, services
from .forms import DeleteAccountForm, ProfileForm


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
