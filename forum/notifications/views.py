"""Notification pages: the list, opening one, mark all read, email settings, one-click unsubscribe."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from forum.core import conf

from . import permissions, selectors, services, texts
from .forms import PreferenceForm
from .models import Notification


@login_required
def index(request):
    try:
        before = int(request.GET.get("before", "")) or None
    except ValueError:
        before = None
    notifications = selectors.notifications_for(request.user, before=before, limit=selectors.PAGE_SIZE + 1)
    has_more = len(notifications) > selectors.PAGE_SIZE
    notifications = notifications[:selectors.PAGE_SIZE]
    rows = [{"notification": row.target, "newest": row.newest, "count": row.count,
             "text": texts.describe_group(row.notifications, html=True), "excerpt": texts.excerpt(row.newest),
             "unread": row.unread}
            for row in selectors.notification_rows(notifications)]
    return render(request, "notifications/notification_list.html", {
        "rows": rows,
        "any_unread": any(row["unread"] for row in rows),
        "older_than": notifications[-1].pk if has_more else None,
    })


@login_required
def open_notification(request, notification_id):
    """Mark the notification read and go to what it is about."""
    notification = get_object_or_404(permissions.visible_notifications(request.user, Notification.objects),
                                     pk=notification_id)
    services.mark_read(notification=notification, actor=request.user)
    if url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return redirect(notification.url)
    return redirect("notifications:index")


@login_required
@require_POST
def mark_all_read(request):
    changed = services.mark_all_read(actor=request.user)
    if changed:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:index")


@login_required
def preferences(request):
    pref = services.preference_for(request.user)
    status = 200
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            services.preference_set(actor=request.user, email=form.cleaned_data["email"])
            messages.success(request, _("Your email settings are saved."))
            return redirect("notifications:settings")
        status = 400
    else:
        form = PreferenceForm(initial={"email": pref.email})
    return render(request, "notifications/preferences.html", {"form": form}, status=status)


# The token is the authority here, and mail clients send RFC 8058 one-click POSTs without a
# CSRF token or session, so this view cannot use CSRF protection.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    # The page never names the account (not even its address): whoever holds the link sees only
    # that it works, has expired, or is not valid.
    try:
        services.user_for_unsubscribe_token(token)
    except services.ExpiredUnsubscribeToken:
        return render(request, "notifications/unsubscribe.html",
                      {"expired": True, "days": conf.FORUM_UNSUBSCRIBE_LINK_DAYS}, status=410)
    except services.BadUnsubscribeToken:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        services.unsubscribe(token=token)
        return render(request, "notifications/unsubscribe.html", {"done": True})
    return render(request, "notifications/unsubscribe.html", {"token": token})
