"""Reply timing through the HTTP form (issue #11 §3): a ~3 KB Markdown reply POSTed to the thread's
reply form by a signed-in member, with everything on: CSRF-free test Client but every middleware,
the form, the rate limit (a high limit, still consumed), `post_create` (check, render once, sanitise,
save, tree path, counters, search index), the notification fan-out and e-mail worker after commit,
and the live events (the channel layer of REDIS_URL, or the in-process one). Prints JSON: wall and
CPU p50/p99, the queries and writes of one reply, and where the CPU goes (cProfile, top functions).

    .venv/bin/python bench/reply_post.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/reply_post.py
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import re
import shutil
import time

from _common import load_average, measure, setup_django
from write_path import WATCHERS, reply_source

REPLIES = 100
WARMUP = 5
TARGET_CPU_P50_MS = 20


def _profile_top(profile: cProfile.Profile, calls: int, limit: int = 18) -> list[dict]:
    """The functions of this project and the libraries it calls that take the most time, cumulative,
    per reply (ms): where the CPU goes."""
    stats = pstats.Stats(profile, stream=io.StringIO())
    rows = []
    for (filename, line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():
        short = filename.split("site-packages/")[-1].split("perf-page/")[-1]
        if not re.search(r"forum/|bleach/|markdown_it/|html5lib/|django/(db/models/sql/compiler|template/base)",
                         short):
            continue
        rows.append({"function": f"{short}:{line}({name})", "ms_per_reply": round(cumulative / calls * 1000, 2)})
    rows.sort(key=lambda r: -r["ms_per_reply"])
    return rows[:limit]


def main() -> None:
    started = time.perf_counter()
    tmp = setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    settings.FORUM_EMAIL_WORKER = "thread"  # production: immediate e-mails leave the request

    from forum.accounts.models import User
    from forum.categories.models import Category
    from forum.discussions import services
    from forum.discussions.models import Post, Subscription
    from forum.notifications import outbox
    from forum.notifications.models import Notification
    from forum.organisations.models import Membership, Organisation
    from forum.search.models import SearchDocument

    org = Organisation.objects.create(name="Bench organisation", slug="bench-reply")
    people = []
    for i in range(WATCHERS + 2):
        user = User.objects.create_user(email=f"replier{i}@example.org", display_name=f"Layla {i}" if i == 3 else f"Writer {i}",
                                        role="member")
        user.display_name_key = user.display_name.casefold()
        user.save(update_fields=["display_name_key"])
        Membership.objects.create(user=user, organisation=org)
        people.append(user)
    author = people[0]
    category = Category.objects.create(name="Bench", slug="bench-reply")
    thread = services.thread_create(author=people[1], category=category, title="Reply path", source="Opening")
    for watcher in people[2:]:
        Subscription.objects.update_or_create(user=watcher, thread=thread, defaults={"level": "watch"})
    sources = [reply_source(i) for i in range(10)]
    counter = iter(range(1_000_000))
    client = Client()
    client.force_login(author)
    url = reverse("discussions:reply", kwargs={"thread_id": thread.pk})

    def reply():
        n = next(counter)
        response = client.post(url, {"source": sources[n % len(sources)] + f"\n\nReply number {n}."})
        assert response.status_code == 302, (response.status_code, response.content[:400])

    for _ in range(WARMUP):
        reply()
    outbox.wait_for_workers(timeout=120)

    # One reply, its statements counted (the after-commit workers' own statements are not in it).
    with CaptureQueriesContext(connection) as ctx:
        reply()
    outbox.wait_for_workers(timeout=120)
    statements = [q["sql"] for q in ctx.captured_queries]
    writes = [s for s in statements if re.match(r"^\s*(INSERT|UPDATE|DELETE)\b", s, re.IGNORECASE)]

    # Paced: the after-commit workers (fan-out, e-mail, live events) finish between replies, untimed.
    paced = measure(reply, REPLIES, after=outbox.wait_for_workers)

    profile = cProfile.Profile()
    profiled = 30
    for _ in range(profiled):
        profile.enable()
        reply()
        profile.disable()
        outbox.wait_for_workers(timeout=120)

    outbox.wait_for_workers(timeout=600)
    report = {
        "database": connection.vendor, "channel_layer": settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1],
        "source_bytes": len(sources[0].encode()), "watchers": WATCHERS, "replies": REPLIES,
        "reply_through_form": paced,
        "queries_per_reply": len(statements), "writes_per_reply": len(writes),
        "write_statements": [w[:70] for w in writes],
        "target_cpu_p50_ms": TARGET_CPU_P50_MS, "ok": paced["cpu_p50_ms"] <= TARGET_CPU_P50_MS,
        "posts": Post.objects.count(), "search_documents": SearchDocument.objects.count(),
        "notifications_written": Notification.objects.count(),
        # Deterministic, unlike times on a shared machine: Python function calls per reply (cProfile).
        "python_calls_per_reply": pstats.Stats(profile, stream=io.StringIO()).total_calls // profiled,
        "profile_top_cumulative_ms_per_reply": _profile_top(profile, profiled),
        "load_average": load_average(), "runtime_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
