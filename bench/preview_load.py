"""Parallel editor previews against a running server, and /healthz while they run.

    SQLITE_PATH=/tmp/x.sqlite3 python -m forum.core.server -p 8765 config.asgi:application &
    SQLITE_PATH=/tmp/x.sqlite3 .venv/bin/python bench/preview_load.py http://127.0.0.1:8765 [parallel]

Prepares the database the server uses (migrate, a member, a category, a signed-in session), then
sends `parallel` (20) simultaneous POST /preview/ of each payload and three GET /healthz during
them; prints the status codes and the median and worst times. The payloads: the most expensive
pathological text found by bench/pathological_markdown.py at the 20,000-character limit (a table of
one-letter rows), and the most expensive text the bounds still accept (bare web addresses).
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

PAYLOADS = {
    "pathological table (20,000 chars)": "|a|\n|-|\n" * 2500,
    "bare addresses (19,992 chars)": "www.a.example " * 1428,
}


def prepare() -> str:
    from forum.accounts.models import User
    from forum.categories.models import Category

    call_command("migrate", verbosity=0)
    Category.objects.get_or_create(slug="bench-preview", defaults={"name": "Bench"})
    user = User.objects.filter(email="bench-preview@example.org").first() or User.objects.create_user(
        email="bench-preview@example.org", password="bench-password-123", display_name="Bench Preview",
        role="member")
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def request(url: str, *, session: str, data: dict | None = None) -> tuple[int, float]:
    token = "b" * 32
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers={
        "Cookie": f"sessionid={session}; csrftoken={token}", "X-CSRFToken": token, "Referer": url})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=120) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, time.perf_counter() - start


def main() -> None:
    base = sys.argv[1].rstrip("/")
    parallel = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    session = prepare()
    for name, source in PAYLOADS.items():
        results: list[tuple[int, float]] = []
        health: list[tuple[int, float]] = []
        barrier = threading.Barrier(parallel + 1)

        def preview(source=source, results=results, barrier=barrier):
            barrier.wait()
            results.append(request(f"{base}/preview/", session=session, data={"source": source}))

        threads = [threading.Thread(target=preview) for _ in range(parallel)]
        for thread in threads:
            thread.start()
        barrier.wait()
        for _ in range(3):
            time.sleep(0.3)
            health.append(request(f"{base}/healthz", session=""))
        for thread in threads:
            thread.join()
        times = [t for _s, t in results]
        statuses = sorted({s for s, _t in results})
        print(f"{name}: {parallel} previews, status {statuses}, median {statistics.median(times):.2f} s, "
              f"worst {max(times):.2f} s; /healthz during them: "
              + ", ".join(f"{s} in {t:.2f} s" for s, t in health))


if __name__ == "__main__":
    main()
