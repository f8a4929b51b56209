from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import permissions, selectors
from .forms import SearchForm, query_max_chars, query_max_terms
from .text import parse_query


@login_required
@require_GET
def search(request):
    """The search page: the form, and results when a query was given. Works without JavaScript."""
    permissions.check_search(request.user)
    form = SearchForm(request.GET or None, user=request.user)
    context = {"form": form, "page": None, "notices": [], "query_problem": None,
               "full_text": selectors.uses_full_text()}
    if not form.is_bound:
        return render(request, "search/search_results.html", context)
    if not form.is_valid():
        return render(request, "search/search_results.html", context, status=400)
    if form.truncated:
        context["notices"].append(_("Your search was shortened to its first %(limit)d characters.")
                                  % {"limit": query_max_chars()})
    query = parse_query(form.cleaned_data["q"], max_terms=query_max_terms())
    if not form.cleaned_data["q"]:
        context["query_problem"] = _("Type at least one word to search for.")
    elif not query.terms and query.excluded:
        context["query_problem"] = _("Add at least one word to look for, not only words to leave out.")
    elif not query.terms:
        context["query_problem"] = _("Your search has no words to look for: letters or digits are needed.")
    if context["query_problem"]:
        return render(request, "search/search_results.html", context)
    filters = selectors.SearchFilters(**{key: form.cleaned_data[key] for key in
                                         ("category", "author", "organisation", "date_from", "date_to")})
    page = selectors.search_page_for_viewer(viewer=request.user, query=query, filters=filters,
                                            page_number=request.GET.get("page") or 1)
    query_string = request.GET.copy()
    query_string.pop("page", None)
    context.update(page=page, query=query, query_string=query_string.urlencode())
    return render(request, "search/search_results.html", context)
