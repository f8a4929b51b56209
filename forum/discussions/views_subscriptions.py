"""Pages for watching / tracking / muting a thread or a category, and "jump to first unread".

Glue only: the rules live in `subscriptions` and `permissions`. Everything works without JS.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from forum.categories import permissions as category_permissions
from forum.categories.models import Category

from . import permissions, subscriptions, unread
from .models import Subscription, Thread

LEVEL_CHOICES = [
    (Subscription.Level.WATCH, gettext_lazy("Watch: tell me about every new post")),
    (Subscription.Level.TRACK, gettext_lazy("Track: show unread counts, no notifications")),
    ("", gettext_lazy("Normal: only replies to me and mentions")),
    (Subscription.Level.MUTE, gettext_lazy("Mute: tell me nothing")),
]
CATEGORY_LEVEL_CHOICES = [
    (Subscription.Level.WATCH, gettext_lazy("Watch: tell me about every new thread")),
    (Subscription.Level.TRACK, gettext_lazy("Track: show unread counts, no notifications")),
    ("", gettext_lazy("Normal: only replies to me and mentions")),
    (Subscription.Level.MUTE, gettext_lazy("Mute: no new-thread notices from this category")),
]


class SubscriptionForm(forms.Form):
    level = forms.ChoiceField(
        label=gettext_lazy("Notifications"), choices=LEVEL_CHOICES, required=False, widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("Choose watch, track, normal or mute.")},
    )

    def __init__(self, *args, category: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if category:
            self.fields["level"].choices = CATEGORY_LEVEL_CHOICES


def _next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _subscription_page(request, *, thread=None, category=None):
    target_url = thread.get_absolute_url() if thread else category.get_absolute_url()
    if request.method == "POST":
        form = SubscriptionForm(request.POST, category=category is not None)
        if form.is_valid():
            try:
                subscriptions.subscription_set(actor=request.user, thread=thread, category=category,
                                               level=form.cleaned_data["level"])
            except ValidationError as error:
                form.add_error("level", error.message_dict.get("level", error.messages))
            else:
                messages.success(request, _("Your notification setting is saved."))
                return redirect(_next(request, target_url))
        status = 400
    else:
        level = (subscriptions.thread_level(request.user, thread) if thread
                 else subscriptions.category_level(request.user, category))
        form = SubscriptionForm(initial={"level": level}, category=category is not None)
        status = 200
    return render(request, "notifications/subscription_form.html", {
        "form": form, "thread": thread, "category": category, "target_url": target_url,
        "next": _next(request, target_url),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def thread_subscription(request, thread_id):
    thread = get_object_or_404(Thread.objects.select_related("category"), pk=thread_id)
    permissions.check_view_thread(request.user, thread)
    return _subscription_page(request, thread=thread)


@login_required
@require_http_methods(["GET", "POST"])
def category_subscription(request, category_id):
    category = get_object_or_404(Category, pk=category_id)
    category_permissions.check_view_category(request.user, category)
    return _subscription_page(request, category=category)


@login_required
@require_GET
def thread_unread(request, thread_id):
    """Jump to the first post the member has not seen; the thread's start when there is none."""
    thread = get_object_or_404(Thread.objects.select_related("category"), pk=thread_id)
    permissions.check_view_thread(request.user, thread)
    post_id = unread.first_unread_post_id(request.user, thread)
    if post_id is None:
        return redirect(thread)
    return redirect(reverse("discussions:post", kwargs={"post_id": post_id}))


@login_required
@require_GET
def following(request):
    """The threads the member follows, each with "Unfollow" (a POST to the thread's setting page)."""
    return render(request, "discussions/following.html", {
        "threads": subscriptions.followed_threads(request.user),
        "limit": subscriptions.FOLLOWED_MAX,
    })
