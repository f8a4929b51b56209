"""Thread page weight: the HTML of a 50-post page plus every stylesheet, script, font and icon it loads.

Builds one thread of 50 replies (realistic mixed Arabic/French/English Markdown), fetches page 1
through Django's test Client, follows each <link rel=stylesheet> and <script src> (and the ES
modules those import, the fonts the stylesheets name, the icons and the scripts' words catalogue
drafts.js loads), and reports bytes raw and gzipped (what a proxy or whitenoise sends).
Stylesheets and scripts are measured as production serves them, minified by collectstatic
(forum.core.staticfiles.minify), with their source sizes alongside (source_raw, source_gzip); the
hashed names production writes into their imports and url()s (13 to 15 bytes more each) are not
counted.
Reports each part (HTML, stylesheets, scripts, icons, fonts) and the totals, and compares them with
the targets of issue #11 §4 in the same run: HTML <= 80 KB raw for 50 posts; page plus every asset
(fonts included) <= 120 KB raw and <= 40 KB gzipped. Prints JSON.

    .venv/bin/python bench/page_weight.py
    PAGE_WEIGHT_LANGUAGE=ar .venv/bin/python bench/page_weight.py
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from datetime import timedelta

from _common import SAMPLE_SOURCES, setup_django

KB = 1024
TARGETS = {"html_raw": 80 * KB, "total_raw": 120 * KB, "total_gzip": 40 * KB}
ASSET = re.compile(rb'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="(/static/[^"]+)"')
USE_HREF = re.compile(rb'<use href="(/static/[^"#]+)#')  # the icon sprite
CSS_URL = re.compile(rb'url\("?(\.\./[^")]+|/static/[^")]+)"?\)')  # fonts (a mixed page needs all four faces)
JS_IMPORT = re.compile(rb'''(?:import\s[^'"(]*?from\s*|import\s*)['"](\.{1,2}/[^'"]+)['"]''')
# import("./x.js"): loaded when the reader does something (the editor, when the reply form is near or
# used); reported apart, not in the totals.
JS_DYNAMIC_IMPORT = re.compile(rb'''import\(\s*['"](\.{1,2}/[^'"]+)['"]\s*\)''')
REACTION_VALUE = re.compile(rb'name="r" value="\d+ ([^"]+)"')


def main() -> None:
    tmp = setup_django()
    from django.contrib.staticfiles import finders
    from django.test import Client
    from django.utils import timezone

    from forum.accounts.models import User
    from forum.categories.models import Category
    from forum.core.staticfiles import minify
    from forum.discussions import services

    author = User.objects.create_user(email="weight@example.org", password="x", display_name="وزن")
    author.display_name_key = "وزن"
    # The interface language (PAGE_WEIGHT_LANGUAGE=ar or fr; English by default): labels differ in length.
    author.preferred_language = os.environ.get("PAGE_WEIGHT_LANGUAGE", "en")
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
    from forum.discussions.selectors import REACTION_ICONS

    # The stylesheet names every reaction icon; a browser fetches those the page's buttons show.
    shown_icons = {REACTION_ICONS.get(e.decode(), "") for e in REACTION_VALUE.findall(html)}
    if b'class="react-add"' in html:
        shown_icons.add("add")  # the cards' "Add a reaction"
    assets, on_demand = {}, {}
    queue = [(m.decode(), False) for m in ASSET.findall(html) + USE_HREF.findall(html)]
    while queue:
        url, later = queue.pop()
        if url in assets or (later and url in on_demand):
            continue
        if "/img/reactions/" in url and url.rsplit("/", 1)[1].removesuffix(".svg") not in shown_icons:
            continue
        path = finders.find(url.removeprefix("/static/"))
        data = open(path, "rb").read()
        # (what is sent, its source if minified); the source is what the patterns below read.
        (on_demand if later else assets)[url] = (
            (minify(url, data.decode()).encode(), data) if url.endswith((".css", ".js")) else (data, None))
        if url.endswith(".css"):
            base = url.rsplit("/", 1)[0]
            for relative in CSS_URL.findall(data):
                relative = relative.decode()
                queue.append((relative if relative.startswith("/") else
                              base.rsplit("/", 1)[0] + "/" + relative.removeprefix("../"), later))
        if url.endswith(".js"):
            base = url.rsplit("/", 1)[0]
            found = ([(r, later) for r in JS_IMPORT.findall(data)] +
                     [(r, True) for r in JS_DYNAMIC_IMPORT.findall(data)])
            for relative, imported_later in found:
                parts = (base + "/" + relative.decode()).split("/")
                resolved = []
                for part in parts:
                    if part == "..":
                        resolved.pop()
                    elif part != ".":
                        resolved.append(part)
                queue.append(("/".join(resolved), imported_later))
    on_demand = {url: data for url, data in on_demand.items() if url not in assets}
    # The scripts' words: drafts.js loads them with the page whenever a signed-in reader has a form
    # (the reply form here), from the address the page names (kept by the browser once fetched).
    [catalogue_url] = re.findall(rb'data-catalogue="([^"]+)"', html)
    words = client.get(catalogue_url.decode()).content
    assets[catalogue_url.decode()] = (words, words)  # served as built (forum/core/catalogue.py)

    def size(data: bytes, source: bytes | None = None) -> dict[str, int]:
        measured = {"raw": len(data), "gzip": len(gzip.compress(data, 6))}
        if source is not None:
            measured |= {"source_raw": len(source), "source_gzip": len(gzip.compress(source, 6))}
        return measured

    def kind(url: str) -> str:
        return ("css" if url.endswith(".css") else "js" if url.endswith(".js") else
                "fonts" if url.endswith(".woff2") else "icons")

    parts = {"html": size(html)}
    for name in ("css", "js", "icons", "fonts"):
        chosen = [size(*sent) for u, sent in assets.items() if kind(u) == name]
        fields = ("raw", "gzip", "source_raw", "source_gzip") if name in ("css", "js") else ("raw", "gzip")
        parts[name] = {**{f: sum(c[f] for c in chosen) for f in fields}, "files": len(chosen)}
    total_raw = sum(p["raw"] for p in parts.values())
    total_gzip = sum(p["gzip"] for p in parts.values())
    measured = {"html_raw": parts["html"]["raw"], "total_raw": total_raw, "total_gzip": total_gzip}
    print(json.dumps({
        "benchmark": "thread_page_weight",
        "posts_on_page": html.count(b'data-post-id="'),
        "csrf_tokens_in_html": html.count(b"csrfmiddlewaretoken"),
        "parts": parts,
        "assets": {url: size(*sent) for url, sent in sorted(assets.items())},
        "on_demand": {"note": "imported when the reply form is near the screen or used; not in the totals",
                      **{url: size(*sent) for url, sent in sorted(on_demand.items())}},
        "fonts_note": "woff2 is compressed already; gzip leaves it as it is. A face loads only when the "
                      "page has text in its unicode-range at its weight: this mixed Arabic/Latin page "
                      "with bold in both scripts needs all four.",
        "total_raw_bytes": total_raw,
        "total_gzip_bytes": total_gzip,
        "targets": {name: {"target": limit, "measured": measured[name], "met": measured[name] <= limit,
                           "over_by": max(0, measured[name] - limit)}
                    for name, limit in TARGETS.items()},
    }, indent=2, ensure_ascii=False))
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
