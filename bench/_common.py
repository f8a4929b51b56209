"""Shared set-up for the benchmarks: Django on a throw-away database, and a realistic forum in it.

SQLite in a temporary file by default; with DATABASE_URL set (PostgreSQL), that database is used
and emptied first (never point it at a database you care about).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLE_SOURCES = [
    "نعمل في **حمص** على توثيق شهادات المعتقلين السابقين، ونحتاج إلى [دليل عملي](https://example.org/guide) "
    "يساعد المتطوعين الجدد.\n\n- حفظ البيانات بأمان\n- الموافقة المكتوبة\n- *إحالة* الشهود إلى الدعم النفسي\n\n"
    "> الشاهد أولاً، ثم الوثيقة.\n\nما رأيكم في استخدام تخزين مشفّر لكل ملف على حدة؟",
    "We agree in principle, but the wording on **origin** should cover statelessness too. See the "
    "[UNHCR note](https://example.org/unhcr) and our comments below:\n\n1. Article 1 should name "
    "nationality through the mother.\n2. Article 4 needs a remedy clause.\n\n`draft-v3` is attached to the "
    "previous message. @Layla could you check the French version?",
    "Nous pouvons aider pour la relecture juridique, en français ou en arabe. Notre équipe à Paris a "
    "déjà travaillé sur des *dossiers similaires* ; voici une liste :\n\n- témoignages anonymisés\n"
    "- chaîne de conservation des preuves\n- coordination avec les mécanismes de l'ONU\n\n"
    "Écrivez-nous directement si besoin : https://example.org/contact",
    "| district | blankets | stoves |\n|---|---|---|\n| Idlib | 1200 | 80 |\n| Afrin | 450 | 35 |\n\n"
    "Numbers are from **Thursday**. Dawn Youth will add Atmeh camps; please keep one message per update "
    "so the thread stays readable. مع الشكر للجميع.",
    "شكراً جزيلاً على هذه المعلومات. لدينا سؤال إضافي حول ~~التمويل~~ آليات التمويل المشترك بين "
    "المنظمات، وهل يمكن أن نعقد اجتماعاً عبر الإنترنت الأسبوع المقبل؟\n\n```\nالموعد المقترح: الخميس ١٨:٠٠\n```",
]


def setup_django():
    """Configure Django for a benchmark run and return the temporary directory (or None on PG)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("DEBUG", "1")
    tmp = None
    import django
    from django.conf import settings

    if not os.environ.get("DATABASE_URL"):
        tmp = tempfile.mkdtemp(prefix="madaniya-bench-")
    django.setup()
    if tmp:
        settings.DATABASES["default"]["NAME"] = str(Path(tmp) / "bench.sqlite3")
        # As config/settings/base.py: IMMEDIATE transactions, so a second writer (the e-mail
        # outbox worker thread) waits for the lock instead of failing with "database is locked".
        settings.DATABASES["default"]["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    # Not setup_test_environment(): its template instrumentation (context capture for assertions)
    # would be timed too. Only what the test Client needs: its host name, no debug query log.
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "post": "1000000/m"}
    from django.core.management import call_command

    if os.environ.get("DATABASE_URL"):
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0, interactive=False)
    # The cache (Redis when REDIS_URL is set) outlives the database: remembered read marks, view
    # counts and rate-limit buckets of an earlier run would name this run's new rows by their ids.
    from django.core.cache import cache

    cache.clear()
    return tmp


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99_index = min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2), "p99_ms": round(ordered[p99_index] * 1000, 2),
            "n": len(ordered)}


def timed(fn, repeat: int, clock=time.perf_counter) -> list[float]:
    """Wall-clock samples by default; `clock=time.process_time` gives this process's CPU time, which
    a busy shared machine distorts far less (the report shows both)."""
    samples = []
    for _ in range(repeat):
        start = clock()
        fn()
        samples.append(clock() - start)
    return samples


def measure(fn, repeat: int, after=None) -> dict:
    """Wall-clock p50/p99 and CPU-time p50/p99 of `fn`, interleaved; `after()` (untimed) runs
    after each call. CPU time is the whole process's, background threads included."""
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
        if after is not None:
            after()
    result = percentiles(wall)
    cpu_p = percentiles(cpu)
    result.update({"cpu_p50_ms": cpu_p["p50_ms"], "cpu_p99_ms": cpu_p["p99_ms"]})
    return result


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def reset_sequences(*models) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    sql = connection.ops.sequence_reset_sql(no_style(), list(models))
    if sql:
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)


def build_forum(*, total_posts: int = 20_000, big_thread_posts: int = 10_000, users: int = 200,
                seed: int = 7):
    """Organisations, members, a category, one big nested thread and smaller ones, with reactions.

    Posts are written in bulk (the services would take minutes for 20,000 posts), with the same
    paths, depths, stored HTML and reaction counts the services produce.
    """
    from django.conf import settings
    from django.utils import timezone

    from forum.accounts.models import User
    from forum.categories.models import Category
    from forum.core import richtext
    from forum.discussions.models import MAX_TREE_DEPTH, Post, Reaction, Thread
    from forum.discussions.services._common import _segment
    from forum.organisations.models import Membership, Organisation

    rng = random.Random(seed)
    orgs = Organisation.objects.bulk_create(
        [Organisation(name=f"Organisation {i}", slug=f"bench-org-{i}") for i in range(20)])
    people = User.objects.bulk_create([
        User(email=f"bench{i}@example.org", display_name=f"Member {i}", display_name_key=f"member {i}",
             role="member") for i in range(users)])
    Membership.objects.bulk_create([Membership(user=u, organisation=orgs[i % len(orgs)]) for i, u in enumerate(people)])
    category = Category.objects.create(name="Bench", slug="bench")
    html_of = {s: richtext.render_post(s) for s in SAMPLE_SOURCES}
    now = timezone.now()

    small_threads = max(1, (total_posts - big_thread_posts) // 100)
    sizes = [big_thread_posts] + [(total_posts - big_thread_posts) // small_threads] * small_threads
    threads = Thread.objects.bulk_create([
        Thread(category=category, title=f"Thread {i}", author=people[i % users], last_activity_at=now)
        for i in range(len(sizes))])
    next_id = 1
    posts: list[Post] = []
    for thread, size in zip(threads, sizes, strict=True):
        thread_posts: list[Post] = []
        for i in range(size):
            source = SAMPLE_SOURCES[(next_id * 7) % len(SAMPLE_SOURCES)]
            post = Post(id=next_id, thread=thread, author=people[rng.randrange(users)], source=source,
                        html=html_of[source], created_at=now)
            if i == 0:
                post.path, post.depth, post.parent_id = _segment(post.id), 0, None
            else:
                roll = rng.random()
                if roll < 0.3 or len(thread_posts) < 3:
                    parent = thread_posts[0]
                else:
                    parent = thread_posts[-rng.randrange(1, min(len(thread_posts), 40))]
                post.parent_id = parent.id
                if parent.depth >= MAX_TREE_DEPTH:
                    post.path = parent.path.rsplit("/", 1)[0] + "/" + _segment(post.id)
                    post.depth = MAX_TREE_DEPTH
                else:
                    post.path, post.depth = parent.path + "/" + _segment(post.id), parent.depth + 1
            thread_posts.append(post)
            next_id += 1
        thread.reply_count = size - 1
        thread.last_post_id = thread_posts[-1].id
        posts += thread_posts
    reactions = []
    emojis = list(settings.FORUM_REACTIONS)
    for post in posts:
        if rng.random() < 0.25:
            reactors = rng.sample(people, rng.randrange(1, 4))
            counts: dict[str, int] = {}
            for user in reactors:
                emoji = rng.choice(emojis)
                reactions.append(Reaction(post_id=post.id, user=user, emoji=emoji))
                counts[emoji] = counts.get(emoji, 0) + 1
            post.reaction_counts = counts
    # Parents before children, so foreign keys hold at every insert on PostgreSQL too.
    Post.objects.bulk_create(posts, batch_size=2000)
    Reaction.objects.bulk_create(reactions, batch_size=5000, ignore_conflicts=True)
    Thread.objects.bulk_update(threads, ["reply_count", "last_post_id"])
    reset_sequences(Post, Reaction, Thread)
    viewer = people[0]
    return {"category": category, "big_thread": threads[0], "viewer": viewer, "users": people,
            "posts": len(posts), "reactions": len(reactions)}
