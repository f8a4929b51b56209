"""Thread page weight: the HTML of a 50-post page plus every stylesheet, script, font and icon it loads.

Builds one thread of 50 replies (realistic mixed Arabic/French/English Markdown), fetches page 1
through Django's test Client, follows each <link rel=stylesheet> and <script src> (and the ES
modules those import, the fonts the stylesheets name and the icon sprite), and reports bytes raw and gzipped (what a proxy or whitenoise sends).
Compares against the budget of 100 KB in the same run. Prints JSON.

    .venv/bin/python bench/page_weight.py
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from datetime import timedelta

from _common import SAMPLE_SOURCES, setup_django

BUDGET_BYTES = 100 * 1024
ASSET = re.compile(rb'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="(/static/[^"]+)"')
USE_HREF = re.compile(rb'<use href="(/static/[^"#]+)#')  # the icon sprite
CSS_URL = re.compile(rb'url\("?(\.\./[^")]+|/static/[^")]+)"?\)')  # fonts (a mixed page needs all four faces)
JS_IMPORT = re.compile(rb'''(?:import\s[^'"]*?from\s*|import\s*\(?\s*)['"](\.{1,2}/[^'"]+)['"]''')


def main() -> None:
    tmp = setup_django()
    from django.contrib.staticfiles import finders
    from django.test import Client
    from django.utils import timezone

    from forum.accounts.models import User
    from forum.categories.models import Category
    from forum.discussions import services

    author = User.objects.create_user(email="weight@example.org", password="x", display_name="وزن")
    author.display_name_key = "وزن"
    author.save()
    category = Category.objects.create(name="Weight", slug="weight")
    thread = services.thread_create(category=category, author=author, title="وزن الصفحة — page weight",
                                    source=SAMPLE_SOURCES[0])
    posts = list(thread.posts.all())
    for number in range(50):
        parent = posts[number // 3] if number % 4 else posts[0]
        posts.append(services.post_create(thread=thread, author=author, parent=parent,
                                          source=SAMPLE_SOURCES[number % len(SAMPLE_SOURCES)]))
    thread.refresh_from_db()
    assert thread.last_activity_at <= timezone.now() + timedelta(seconds=1)

    client = Client()
    client.force_login(author)
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    html = response.content
    if os.environ.get("PAGE_WEIGHT_HTML"):  # keep the page to look at (PAGE_WEIGHT_HTML=/tmp/page.html)
        with open(os.environ["PAGE_WEIGHT_HTML"], "wb") as out:
            out.write(html)
    assets, queue = {}, [m.decode() for m in ASSET.findall(html) + USE_HREF.findall(html)]
    while queue:
        url = queue.pop()
        if url in assets:
            continue
        path = finders.find(url.removeprefix("/static/"))
        data = open(path, "rb").read()
        assets[url] = data
        if url.endswith(".css"):
            base = url.rsplit("/", 1)[0]
            for relative in CSS_URL.findall(data):
                relative = relative.decode()
                queue.append(relative if relative.startswith("/") else
                             base.rsplit("/", 1)[0] + "/" + relative.removeprefix("../"))
        if url.endswith(".js"):
            base = url.rsplit("/", 1)[0]
            for relative in JS_IMPORT.findall(data):
                parts = (base + "/" + relative.decode()).split("/")
                resolved = []
                for part in parts:
                    if part == "..":
                        resolved.pop()
                    elif part != ".":
                        resolved.append(part)
                queue.append("/".join(resolved))

    def size(data: bytes) -> dict[str, int]:
        return {"raw": len(data), "gzip": len(gzip.compress(data, 6))}

    total_raw = len(html) + sum(len(d) for d in assets.values())
    total_gzip = size(html)["gzip"] + sum(size(d)["gzip"] for d in assets.values())
    print(json.dumps({
        "benchmark": "thread_page_weight",
        "posts_on_page": html.count(b'data-post-id="'),
        "html": size(html),
        "assets": {url: size(data) for url, data in sorted(assets.items())},
        "fonts": {"raw": sum(len(d) for u, d in assets.items() if u.endswith(".woff2")),
                  "note": "woff2 is compressed already; gzip leaves it as it is"},
        "total_raw_bytes": total_raw,
        "total_gzip_bytes": total_gzip,
        "budget_bytes": BUDGET_BYTES,
        "raw_within_budget": total_raw <= BUDGET_BYTES,
        "gzip_within_budget": total_gzip <= BUDGET_BYTES,
    }, indent=2, ensure_ascii=False))
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
