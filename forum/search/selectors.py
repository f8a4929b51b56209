"""The search read: permission-filtered, ranked documents with snippets, one page at a time.

PostgreSQL: the generated `vector` column (simple + french + english over the normalised text)
is matched with the query normalised the same way and parsed by websearch_to_tsquery for each of
the three configurations, OR-ed; results are ranked by ts_rank, and ts_headline marks the matches.
SQLite: every query word must appear (substring) in the normalised title or body; words with a
leading "-" must not; newest first; the snippet is built in Python.

A page costs a fixed number of queries whatever the number of results: the count, the page
(documents with their thread, category, author and organisation) and the viewer's permission facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Expression, F, Q, QuerySet
from django.utils import timezone

from forum.core import conf

from . import permissions
from .models import SearchDocument
from .text import START_MARK, STOP_MARK, ParsedQuery, snippet_from_headline, snippet_from_terms

_TABLE = SearchDocument._meta.db_table


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def results_per_page() -> int:
    return int(conf.FORUM_SEARCH_RESULTS_PER_PAGE)


@dataclass(frozen=True)
class SearchFilters:
    category: object | None = None
    author: object | None = None
    organisation: object | None = None
    date_from: date | None = None
    date_to: date | None = None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(qs: QuerySet, filters: SearchFilters) -> QuerySet:
    if filters.category is not None:
        qs = qs.filter(Q(thread__category=filters.category) | Q(thread__category__parent=filters.category))
    if filters.author is not None:
        qs = qs.filter(author=filters.author)
    if filters.organisation is not None:
        qs = qs.filter(organisation=filters.organisation)
    if filters.date_from is not None:
        qs = qs.filter(created_at__gte=_start_of(filters.date_from))
    if filters.date_to is not None:
        qs = qs.filter(created_at__lt=_start_of(filters.date_to + timedelta(days=1)))
    return qs


class _Vector(Expression):
    """The `vector` column the PostgreSQL migration adds (the model does not declare it)."""

    def __init__(self):
        from django.contrib.postgres.search import SearchVectorField

        super().__init__(output_field=SearchVectorField())

    def as_sql(self, compiler, connection):
        return f"{compiler.quote_name_unless_alias(_TABLE)}.{connection.ops.quote_name('vector')}", []


def _tsquery(query: ParsedQuery):
    from django.contrib.postgres.search import SearchQuery

    tsquery = None
    for config in ("simple", "french", "english"):
        part = SearchQuery(query.text, config=config, search_type="websearch")
        tsquery = part if tsquery is None else tsquery | part
    return tsquery


def _matching_postgresql(qs: QuerySet, query: ParsedQuery) -> QuerySet:
    from django.contrib.postgres.search import SearchRank

    tsquery = _tsquery(query)
    return (
        qs.alias(vector=_Vector())
        .filter(vector=tsquery)
        .annotate(rank=SearchRank(F("vector"), tsquery))
        .order_by("-rank", "-created_at", "-pk")
    )


def _matching_sqlite(qs: QuerySet, query: ParsedQuery) -> QuerySet:
    for term in query.terms:
        qs = qs.filter(Q(title_norm__icontains=term) | Q(body_norm__icontains=term))
    for term in query.excluded:
        qs = qs.exclude(Q(title_norm__icontains=term) | Q(body_norm__icontains=term))
    return qs.order_by("-created_at", "-pk")


def search_documents(*, viewer, query: ParsedQuery, filters: SearchFilters | None = None) -> QuerySet:
    """Documents the viewer may find that match `query` and `filters`, best first (no related rows)."""
    qs = permissions.visible_documents(viewer, SearchDocument.objects.all())
    qs = _filtered(qs, filters or SearchFilters())
    return _matching_postgresql(qs, query) if uses_full_text() else _matching_sqlite(qs, query)


def _documents_for_display(ids: list[int], query: ParsedQuery) -> list[SearchDocument]:
    """The documents of one page, in the order of `ids`, with what the page prints and the headline."""
    qs = (SearchDocument.objects.filter(pk__in=ids)
          .select_related("thread", "thread__category", "author", "organisation")
          .defer("title_norm", "stems"))
    if uses_full_text():
        from django.contrib.postgres.search import SearchHeadline

        qs = qs.annotate(headline=SearchHeadline("body_norm", _tsquery(query), config="french",
                                                 start_sel=START_MARK, stop_sel=STOP_MARK, max_words=30,
                                                 min_words=12, short_word=1))
    by_id = {document.pk: document for document in qs}
    return [by_id[pk] for pk in ids if pk in by_id]


def search_page_for_viewer(*, viewer, query: ParsedQuery, filters: SearchFilters | None = None,
                           page_number=1) -> Page:
    """One page of results; each document gets `snippet`, safe HTML of its written words with <mark>s.

    Three queries: the count, the ids of the page (ranked on narrow rows, so sorting thousands of
    matches never carries their text), and the page's documents with their related rows.
    """
    ranked = search_documents(viewer=viewer, query=query, filters=filters).values_list("pk", flat=True)
    page = Paginator(ranked, results_per_page()).get_page(page_number)
    page.object_list = _documents_for_display(list(page.object_list), query)
    for document in page.object_list:
        if uses_full_text():
            document.snippet = snippet_from_headline(body_text=document.body_text, body_norm=document.body_norm,
                                                     headline=document.headline, terms=query.terms)
        else:
            document.snippet = snippet_from_terms(body_text=document.body_text, body_norm=document.body_norm,
                                                  terms=query.terms)
    return page
