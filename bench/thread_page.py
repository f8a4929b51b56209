"""Thread page timing: 20,000 posts, one thread of 10,000 nested posts with reactions.

Times the thread page server-side through Django's test Client (middleware, session, selectors,
templates; no network), on page 1 and on a deep page (keyset cursor near the end of the tree), and
in the same run a naive baseline that renders and sanitises every post on read (what storing the
HTML on write avoids), and a bare signed-in page (base.html and nothing else: what every page
pays). Counts the statements of a whole request (re-read: no writes) and of a visit that sees new
posts (its read state: one statement). Prints JSON; the targets of issue #11 §2 are in "targets".

    .venv/bin/python bench/thread_page.py            # SQLite in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/thread_page.py
"""

from __future__ import annotations

import json
import re
import shutil
import time

from _common import build_forum, load_average, measure, setup_django, timed

REQUESTS = 60
WARMUP = 5
WRITE_RE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def bare_page(request):
    """A signed-in page with nothing on it: base.html with its context processors (the header's
    badge and standing), through every middleware."""
    from django.shortcuts import render

    return render(request, "base.html", {})


urlpatterns: list = []  # filled in main(): this module is the URL configuration while it runs


def main() -> None:
    started = time.perf_counter()
    tmp = setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import clear_url_caches, include, path

    from forum.core import richtext
    from forum.discussions import selectors
    from forum.discussions.models import Post

    urlpatterns[:] = [path("bench/bare/", bare_page), path("", include("config.urls"))]
    settings.ROOT_URLCONF = __name__
    clear_url_caches()

    built = build_forum()
    thread, viewer = built["big_thread"], built["viewer"]
    size = settings.FORUM_POSTS_PER_PAGE
    paths = list(Post.objects.filter(thread=thread).order_by("path").values_list("path", flat=True))
    deep_cursor = paths[len(paths) - 5 * size]  # ~9,750 posts in: a page near the end of the tree
    client = Client()
    client.force_login(viewer)
    url = thread.get_absolute_url()
    deep_url = f"{url}?after={deep_cursor}"

    def get(target):
        def run():
            response = client.get(target)
            assert response.status_code == 200, response.status_code
            assert response.content.count(b'class="post depth-') == size
        return run

    def statements(target):
        with CaptureQueriesContext(connection) as ctx:
            get(target)()
        sql = [q["sql"] for q in ctx.captured_queries]
        return {"queries": len(sql), "writes": len([q for q in sql if WRITE_RE.match(q)])}

    # A visit that sees new posts: the read state moves (the first visit of page 1 here).
    first_visit = statements(url)
    read_state_table = "discussions_readstate"
    with CaptureQueriesContext(connection) as ctx:
        get(deep_url)()  # deeper than the mark: new posts for this reader
    new_posts_visit = {"queries": len(ctx.captured_queries),
                       "read_state_statements": len([q for q in ctx.captured_queries
                                                     if WRITE_RE.match(q["sql"]) and read_state_table in q["sql"]]),
                       "writes": len([q for q in ctx.captured_queries if WRITE_RE.match(q["sql"])])}

    results = {}
    for name, target in (("page1", url), ("deep_page", deep_url), ("flat_page1", url + "?view=flat")):
        timed(get(target), WARMUP)
        results[name] = measure(get(target), REQUESTS)
    reread = {"page1": statements(url), "deep_page": statements(deep_url)}

    def bare():
        response = client.get("/bench/bare/")
        assert response.status_code == 200, response.status_code

    timed(bare, WARMUP)
    results["bare_signed_in_page"] = measure(bare, REQUESTS)
    with CaptureQueriesContext(connection) as ctx:
        bare()
    bare_queries = len(ctx.captured_queries)

    # Naive baseline: the same page, but every post rendered and sanitised on read.
    stored_decorate = selectors.decorate_posts

    def render_on_read(posts, **kwargs):
        # The page's rows carry no source: read the sources in one query (the model-instance pages
        # before PostRow loaded each deferred source with a query of its own).
        sources = dict(Post.objects.filter(pk__in=[p.pk for p in posts]).values_list("id", "source"))
        for p in posts:
            p.html = richtext.render_post(sources[p.pk])
        stored_decorate(posts, **kwargs)

    selectors.decorate_posts = render_on_read
    try:
        timed(get(url), WARMUP)
        results["naive_render_on_read_page1"] = measure(get(url), REQUESTS)
    finally:
        selectors.decorate_posts = stored_decorate

    # Deterministic, unlike times on a shared machine: Python function calls per request (cProfile).
    import cProfile
    import pstats

    python_calls = {}
    for name, target in (("page1", url), ("bare_signed_in_page", "/bench/bare/")):
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(10):
            client.get(target)
        profile.disable()
        python_calls[name] = pstats.Stats(profile).total_calls // 10

    page1 = results["page1"]["p50_ms"]
    page1_cpu = results["page1"]["cpu_p50_ms"]
    cpu_target = 12 if connection.vendor == "sqlite" else 15
    deep_ratio = round(results["deep_page"]["cpu_p50_ms"] / page1_cpu, 2)
    checks = {
        "page1_cpu_p50_ms": page1_cpu <= cpu_target,
        "bare_signed_in_page_cpu_p50_ms": results["bare_signed_in_page"]["cpu_p50_ms"] <= 4,
        "whole_request_queries": max(r["queries"] for r in reread.values()) <= 11
        and reread["page1"]["queries"] == reread["deep_page"]["queries"],
        "reread_writes": all(r["writes"] == 0 for r in reread.values()),
        "cpu_deep_over_page1_p50": deep_ratio <= 1.2,
        "new_posts_read_state_statements": new_posts_visit["read_state_statements"] == 1,
    }
    report = {
        "database": connection.vendor,
        "posts": built["posts"], "big_thread_posts": len(paths), "reactions": built["reactions"],
        "posts_per_page": size, "requests_per_case": REQUESTS,
        **results,
        "reread_statements": reread, "first_visit_statements": first_visit, "new_posts_visit": new_posts_visit,
        "bare_signed_in_page_queries": bare_queries, "python_calls_per_request": python_calls,
        "deep_over_page1_p50": round(results["deep_page"]["p50_ms"] / page1, 2),
        "naive_over_stored_p50": round(results["naive_render_on_read_page1"]["p50_ms"] / page1, 2),
        "cpu_deep_over_page1_p50": deep_ratio,
        "cpu_naive_over_stored_p50": round(results["naive_render_on_read_page1"]["cpu_p50_ms"] / page1_cpu, 2),
        "load_average": load_average(),
        "targets": {"page1_cpu_p50_ms": cpu_target, "bare_signed_in_page_cpu_p50_ms": 4, "whole_request_queries": 11,
                    "reread_writes": 0, "cpu_deep_over_page1_p50": 1.2, "new_posts_read_state_statements": 1},
        "met": checks,
        "ok": all(checks.values()),
        "runtime_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
