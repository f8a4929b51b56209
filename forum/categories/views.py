"""Category pages: the list of categories and one category's threads with the "new thread" form."""

import functools

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from forum.accounts import permissions as accounts
from forum.core import conf

from . import permissions, selectors


def _signed_out_without_access(request) -> bool:
    return not request.user.is_authenticated and not permissions.public_reading()


def index(request):
    if _signed_out_without_access(request):
        return redirect_to_login(request.get_full_path())
    tree = selectors.category_tree_for_viewer(viewer=request.user)
    return render(request, "categories/category_list.html", {"categories": tree.categories, "unread": tree.unread})


def detail(request, slug):
    try:
        category = selectors.category_get_for_viewer(slug=slug, viewer=request.user)
    except Http404:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise
    threads = selectors.category_threads_for_viewer(category=category, viewer=request.user,
                                                    page_number=request.GET.get("page") or 1)
    can_start = permissions.allows(permissions.check_start_thread, request.user, category)
    speaks = can_start and accounts.is_representative(request.user) and not accounts.mfa_missing(request.user)
    return render(request, "categories/category_detail.html", {
        "category": category,
        "live_rows": request.user.is_authenticated and threads.page.number == 1,
        "rows_max": selectors.LIVE_ROWS_MAX,
        "page": threads.page,
        "threads": threads.page.object_list,
        "can_start_thread": can_start,
        "can_speak_for_organisation": speaks,
        "organisation": accounts.membership(request.user).organisation if speaks else None,
        "subcategories": [c for c in category.children.all()
                          if permissions.can_view_category(request.user, c)],
        "title_max": conf.FORUM_TITLE_MAX_CHARS,
        "post_max": conf.FORUM_POST_MAX_CHARS,
        "editor_script": _static_exists("js/editor.js"),
        "editor_css": _static_exists("css/editor.css"),
    })


@require_GET
@never_cache
def rows(request, slug):
    """Rows of the thread table for `?ids=3,7`, for the live list inserting new or updated threads in
    place. Only this category's threads the viewer may see; other ids are silently dropped."""
    try:
        category = selectors.category_get_for_viewer(slug=slug, viewer=request.user)
    except Http404:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise
    threads = selectors.category_thread_rows_for_viewer(
        category=category, viewer=request.user, thread_ids=selectors.parse_thread_ids(request.GET.get("ids", "")))
    return render(request, "categories/_thread_rows.html", {"threads": threads})


@functools.cache
def _static_exists(path: str) -> bool:
    """The editor's files belong to the core app's editor; pages link them once they exist."""
    from django.contrib.staticfiles import finders

    return bool(finders.find(path))
