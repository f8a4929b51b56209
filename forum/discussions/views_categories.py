"""Category pages: the list of categories, one category's threads with the "new thread" form, and the
rows the live list asks for. Served under /c/ with the URL names `categories:index`, `categories:detail`
and `categories:rows` (forum/discussions/urls_categories.py)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from forum.accounts import permissions as accounts_permissions
from forum.categories import permissions as category_permissions
from forum.categories import selectors as category_selectors
from forum.core import conf

from . import selectors_categories as selectors
from .views import render


def _category_or_login(request, slug):
    """The category, or a redirect to sign in for visitors (they may be members not signed in yet)."""
    try:
        return category_selectors.category_get_for_viewer(slug=slug, viewer=request.user), None
    except Http404:
        if not request.user.is_authenticated:
            return None, redirect_to_login(request.get_full_path())
        raise


def category_list(request):
    if not request.user.is_authenticated and not category_permissions.public_reading():
        return redirect_to_login(request.get_full_path())
    if not category_permissions.public_reading() and request.user.is_authenticated \
            and not accounts_permissions.in_good_standing(request.user):
        # Suspended, banned, observer access ended: say so, not "no category you can see yet".
        return redirect("accounts:standing")
    index = selectors.category_index_for_viewer(viewer=request.user)
    return render(request, "discussions/category_list.html", {"categories": index.categories,
                                                              "unread": index.unread,
                                                              "unread_total": sum(index.unread.values())})


def category_detail(request, slug):
    category, login = _category_or_login(request, slug)
    if login:
        return login
    page = selectors.category_page_for_viewer(category=category, viewer=request.user,
                                              page_number=request.GET.get("page") or 1)
    return render(request, "discussions/category_detail.html", {
        "category": category,
        "live_rows": request.user.is_authenticated and page.page.number == 1,
        "rows_max": selectors.LIVE_ROWS_MAX,
        "page": page.page,
        "threads": page.threads,
        "can_start_thread": page.can_start_thread,
        "can_speak_for_organisation": page.can_speak_for_organisation,
        "organisation": page.organisation,
        "subcategories": page.subcategories,
        "title_max": conf.FORUM_TITLE_MAX_CHARS,
        "post_max": conf.FORUM_POST_MAX_CHARS,
    })


@require_GET
@never_cache
def category_rows(request, slug):
    """Rows of the thread table for `?ids=3,7`, for the live list inserting new or updated threads in
    place. Only this category's threads the viewer may see; other ids are silently dropped."""
    category, login = _category_or_login(request, slug)
    if login:
        return login
    threads = selectors.category_thread_rows_for_viewer(
        category=category, viewer=request.user, thread_ids=selectors.parse_thread_ids(request.GET.get("ids", "")))
    return render(request, "discussions/_thread_rows.html", {"threads": threads})
