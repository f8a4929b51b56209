"""Privileged pages need a second factor: the MFA gate in front of admin and privileged views."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from . import enrolment, permissions
from .decorators import is_privileged_view


class PrivilegedMFAMiddleware:
    """Admins, moderators and representatives without MFA are sent to enrol before privileged actions.

    Privileged pages are the Django admin and every view decorated with
    `forum.accounts.decorators.privileged_required`. A signed-in member who is not staff gets a
    translated refusal from the admin instead of Django's bare 403. Anonymous visitors are left to
    the admin's own (allauth) login. The rule itself lives in `permissions.check_privileged_action`,
    which services call too; this middleware only turns it into a helpful redirect for pages.

    It also brings the user back once enrolled (see `forum.accounts.enrolment`): the enrolment link
    carries `?next=`, kept while MFA is missing, followed on the MFA index once it is not.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._admin_prefix = None
        self._mfa_prefix = None

    def __call__(self, request):
        return self.get_response(request)

    def admin_prefix(self) -> str:
        if self._admin_prefix is None:
            self._admin_prefix = reverse("admin:index")
        return self._admin_prefix

    def mfa_prefix(self) -> str:
        if self._mfa_prefix is None:
            self._mfa_prefix = reverse("mfa_index")
        return self._mfa_prefix

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(self.mfa_prefix()) and request.user.is_authenticated:
            return self.return_after_enrolment(request)
        is_admin_page = request.path.startswith(self.admin_prefix())
        if not (is_admin_page or is_privileged_view(view_func)):
            return None
        user = request.user
        if not user.is_authenticated:
            return None  # the admin's login / login_required handles it
        if is_admin_page and not (user.is_active and user.is_staff):
            return self.refuse(request, _("Only administrators can open the administration pages."))
        if is_admin_page:
            # Django's admin knows only is_staff; a suspension must close it too.
            try:
                permissions.require_good_standing(user)
            except PermissionDenied as refusal:
                return self.refuse(request, str(refusal))
        if permissions.mfa_missing(user):
            messages.warning(request, _("Set up two-factor authentication first. Your role needs it "
                                        "before you can use this page."))
            return redirect(enrolment.enrol_url_for(request))
        return None

    def return_after_enrolment(self, request):
        if request.method != "GET":
            return None
        enrolment.remember_return(request)
        if request.path == self.mfa_prefix():
            back = enrolment.take_return(request)
            if back:
                return redirect(back)
        return None

    @staticmethod
    def refuse(request, reason: str):
        return render(request, "accounts/privileged_refused.html", {"reason": reason}, status=403)
