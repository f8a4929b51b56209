from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from . import permissions


@login_required
def me(request):
    return redirect("accounts:profile", user_id=request.user.pk)


@login_required
def profile(request, user_id):
    target = get_object_or_404(get_user_model(), pk=user_id)
    permissions.check_view_profile(request.user, target)
    return render(request, "accounts/profile_detail.html", {"profile": target})
