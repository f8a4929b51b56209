"""Write path timing: a 3 KB Markdown reply through `post_create` (check, render, sanitise, save,
tree path, counters, notify, broadcast on commit), on a thread with watchers. Prints JSON.
Immediate e-mails are sent by the outbox worker thread, outside the timed request (as in production).

Who hears of the post (audience, notification rows) is decided after commit by the same worker
when the live worker applies (Redis); `--fanout-in-request` times the old way, for comparison.

    .venv/bin/python bench/write_path.py            # SQLite in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/12 \
        .venv/bin/python bench/write_path.py [--fanout-in-request]
"""

from __future__ import annotations

import json
import shutil
import sys
import time

from _common import SAMPLE_SOURCES, load_average, measure, setup_django

WRITES = 100
WATCHERS = 20


def reply_source(i: int) -> str:
    """About 3 KB of Markdown: paragraphs, a list, a quote, links, a mention, code, Arabic and Latin."""
    text = "\n\n".join(SAMPLE_SOURCES)
    text = f"### Reply {i}\n\n" + text + "\n\n> quoted line, للتوضيح فقط\n\n- one\n- two\n- three\n"
    while len(text.encode()) < 3000:
        text += "\nMore context with a [link](https://example.org/more) and **emphasis**, بعض النص العربي."
    return text


def main() -> None:
    started = time.perf_counter()
    tmp = setup_django()
    from django.conf import settings
    from django.core import mail
    from django.db import connection

    # Production behaviour: immediate e-mails leave the request for the outbox worker thread
    # (forum/notifications/outbox.py); the test settings this bench loads may choose otherwise.
    settings.FORUM_EMAIL_WORKER = "thread"
    fanout_in_request = "--fanout-in-request" in sys.argv[1:]
    if fanout_in_request:
        from forum.discussions import activity as _activity

        _activity.fanout_deferred = lambda: False

    from forum.accounts.models import User
    from forum.categories.models import Category
    from forum.discussions import services
    from forum.discussions.models import Subscription
    from forum.organisations.models import Membership, Organisation

    org = Organisation.objects.create(name="Bench organisation", slug="bench-write")
    people = []
    for i in range(WATCHERS + 2):
        user = User.objects.create_user(email=f"writer{i}@example.org", display_name=f"Writer {i}",
                                        role="member")
        user.display_name_key = user.display_name.casefold()
        user.save(update_fields=["display_name_key"])
        Membership.objects.create(user=user, organisation=org)
        people.append(user)
    author = people[0]
    category = Category.objects.create(name="Bench", slug="bench-write")
    thread = services.thread_create(author=people[1], category=category, title="Write path", source="Opening")
    for watcher in people[2:]:
        Subscription.objects.update_or_create(user=watcher, thread=thread, defaults={"level": "watch"})
    root = thread.posts.get(depth=0)
    sources = [reply_source(i) for i in range(10)]
    size = len(sources[0].encode())
    counter = iter(range(10_000))

    def write():
        services.post_create(author=author, thread=thread, source=sources[next(counter) % len(sources)] + f"\n\n{next(counter)}", parent=root)

    from forum.notifications import outbox

    for _ in range(5):
        write()
    # Paced: the after-commit workers (e-mail, live events) finish between writes, untimed: the
    # request's own latency, as when posts are not arriving back to back in one process.
    result = measure(write, WRITES, after=outbox.wait_for_workers)
    # Back to back: the workers run alongside the next writes and compete for the same process.
    back_to_back = measure(write, WRITES)

    # The same writes again, with the two big parts timed separately: rendering (Markdown, mentions,
    # sanitising) and the activity hooks (subscriptions, read state, notifications incl. immediate
    # e-mails, live broadcast). The wrappers only add timers around the real functions.
    from forum.discussions import activity
    from forum.discussions.services import posts as post_services  # where post_create finds _render

    phases: dict[str, list[float]] = {"render": [], "activity_hooks": []}

    def timing(name, fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                phases[name].append(time.perf_counter() - start)
        return wrapper

    from django.db import transaction

    phases["on_commit_callbacks"] = []
    real_render, real_hook, real_on_commit = post_services._render, activity.on_post_created, transaction.on_commit
    post_services._render = timing("render", real_render)
    activity.on_post_created = timing("activity_hooks", real_hook)

    def on_commit(func, using=None, robust=False):
        return real_on_commit(timing("on_commit_callbacks", func), using=using, robust=robust)

    transaction.on_commit = on_commit
    try:
        split = measure(write, 30, after=outbox.wait_for_workers)
    finally:
        post_services._render, activity.on_post_created = real_render, real_hook
        transaction.on_commit = real_on_commit
    # Let the worker finish what the writes queued (it ran alongside them, in the same process).
    drain_start = time.perf_counter()
    outbox.wait_for_workers(timeout=600)
    drain_s = time.perf_counter() - drain_start
    from forum.discussions.models import Post
    from forum.notifications.models import Notification

    still_due = Notification.objects.filter(email_due_at__isnull=False).count()
    fanout_pending = Post.objects.filter(fanout_pending_at__isnull=False).count()
    from forum.discussions import activity as _activity

    fanout_deferred = _activity.fanout_deferred()
    per_write = {name: sum(samples) / 30 for name, samples in phases.items()}
    # Mean time per write in each part (several callbacks may run per write).
    parts = {name: round(value * 1000, 2) for name, value in per_write.items()}
    parts["own_service_work"] = round(split["p50_ms"] - parts["render"] - parts["activity_hooks"]
                                      - parts["on_commit_callbacks"], 2)
    report = {
        "database": connection.vendor, "source_bytes": size, "watchers": WATCHERS, "writes": WRITES,
        "post_create": result, "post_create_back_to_back": back_to_back, "mean_parts_ms": parts, "target_p50_ms": 30, "ok": result["p50_ms"] <= 30,
        "fanout_after_commit": fanout_deferred, "fanout_still_pending_after_drain": fanout_pending,
        "notifications_written": Notification.objects.count(),
        "emails_sent_by_worker": len(mail.outbox), "emails_still_due_after_drain": still_due,
        "worker_drain_after_last_write_s": round(drain_s, 2),
        "load_average": load_average(), "runtime_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
