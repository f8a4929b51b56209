"""The audit log in the site: moderators and administrators browse and filter it (read only)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from forum.accounts.decorators import privileged_required

from . import permissions, selectors
from .forms import AuditFilterForm


@privileged_required
@require_GET
def audit_log(request):
    permissions.check_view_audit_log(request.user)
    form = AuditFilterForm(request.GET or None)
    entries, older_than = [], None
    if form.is_bound and not form.is_valid():
        return render(request, "audit/audit_log.html", {"form": form, "entries": entries}, status=400)
    filters = form.filters() if form.is_bound else {}
    before = form.cleaned_data.get("before") if form.is_bound else None
    entries = selectors.entries_for_viewer(viewer=request.user, before=before, **filters)
    if len(entries) > selectors.PAGE_SIZE:
        entries = entries[:selectors.PAGE_SIZE]
        older_than = entries[-1].pk
    query = request.GET.copy()
    query.pop("before", None)
    return render(request, "audit/audit_log.html", {
        "form": form,
        "entries": entries,
        "older_than": older_than,
        "filter_query": query.urlencode(),
        "whole_log": permissions.audit_scope(request.user) is None,
    })
