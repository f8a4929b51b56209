"""Thread page timing: 20,000 posts, one thread of 10,000 nested posts with reactions.

Times the thread page server-side through Django's test Client (middleware, session, selectors,
templates; no network), on page 1 and on a deep page (keyset cursor near the end of the tree), and
in the same run a naive baseline that renders and sanitises every post on read (what storing the
HTML on write avoids). Prints JSON.

    .venv/bin/python bench/thread_page.py            # SQLite in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/thread_page.py
"""

from __future__ import annotations

import json
import shutil
import time

from _common import build_forum, load_average, measure, setup_django, timed

REQUESTS = 60
WARMUP = 5


def main() -> None:
    started = time.perf_counter()
    tmp = setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from forum.core import richtext
    from forum.discussions import selectors
    from forum.discussions.models import Post

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

    results = {}
    for name, target in (("page1", url), ("deep_page", deep_url), ("flat_page1", url + "?view=flat")):
        timed(get(target), WARMUP)
        results[name] = measure(get(target), REQUESTS)

    # Naive baseline: the same page, but every post rendered and sanitised on read.
    stored_decorate = selectors.decorate_posts

    def render_on_read(posts, **kwargs):
        for p in posts:
            p.html = richtext.render_post(p.source)
        stored_decorate(posts, **kwargs)

    selectors.decorate_posts = render_on_read
    try:
        timed(get(url), WARMUP)
        results["naive_render_on_read_page1"] = measure(get(url), REQUESTS)
    finally:
        selectors.decorate_posts = stored_decorate

    page1 = results["page1"]["p50_ms"]
    page1_cpu = results["page1"]["cpu_p50_ms"]
    report = {
        "database": connection.vendor,
        "posts": built["posts"], "big_thread_posts": len(paths), "reactions": built["reactions"],
        "posts_per_page": size, "requests_per_case": REQUESTS,
        **results,
        "deep_over_page1_p50": round(results["deep_page"]["p50_ms"] / page1, 2),
        "naive_over_stored_p50": round(results["naive_render_on_read_page1"]["p50_ms"] / page1, 2),
        "cpu_deep_over_page1_p50": round(results["deep_page"]["cpu_p50_ms"] / page1_cpu, 2),
        "cpu_naive_over_stored_p50": round(results["naive_render_on_read_page1"]["cpu_p50_ms"] / page1_cpu, 2),
        "load_average": load_average(),
        "targets": {"page1_p50_ms": 20, "deep_over_page1_p50": 1.5},
        "ok": page1 <= 20 and results["deep_page"]["p50_ms"] <= 1.5 * page1,
        "runtime_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
