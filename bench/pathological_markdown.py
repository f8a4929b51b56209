"""Time the post renderer on classic pathological Markdown inputs, before and after the input bound.

Usage: .venv/bin/python bench/pathological_markdown.py [chars]   (default: FORUM_POST_MAX_CHARS, 20000)

For each input: the render time of `chars` characters of it (what the renderer could be asked to do
before `forum.core.textbounds`), and of the longest prefix `discussions.services.clean_source`
accepts now (what it can be asked to do after). Times are the best of 3 runs, in milliseconds.
"""

from __future__ import annotations

import os
import sys
import time

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup()

from django.core.exceptions import ValidationError  # noqa: E402

from forum.core import richtext  # noqa: E402
from forum.discussions.services import clean_source  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20000

UNITS = {
    "plain prose": "word ",
    "nested blockquotes": ">",
    "nested quote and list": "> - ",
    "nested list lines": None,  # built below
    "open brackets": "[",
    "links": "[a](b)",
    "emphasis links": "*[a](b) ",
    "images": "![",
    "star words": "*a ",
    "em pairs": "*a*",
    "strong openers": "**a",
    "code spans": "`a",
    "mixed punctuation": "*_[`<",
    "less-than": "<",
    "ampersands": "&",
    "bare urls": "www.a.example ",
    "url and parens": "www.a.example(" + ")" * 40,
    "url then parens": "PARENS",  # built below
    "table header lines": "|a|\n|-|\n",
    "list items": "- a\n",
    "short lines": "a\n",
}


def text_of(unit: str | None, n: int) -> str:
    if unit is None:
        return "".join("  " * i + "- x\n" for i in range(n))[:n]
    if unit == "PARENS":
        return ("www.a.example(" + ")" * n)[:n]
    return (unit * (n // len(unit) + 1))[:n]


def accepted(source: str) -> bool:
    try:
        clean_source(source)
    except ValidationError:
        return False
    return True


def longest_accepted(unit: str | None, n: int) -> str:
    low, high = 0, n
    while low < high:
        mid = (low + high + 1) // 2
        if accepted(text_of(unit, mid)):
            low = mid
        else:
            high = mid - 1
    return text_of(unit, low)


def render_ms(source: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        richtext.render_post(source)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    print(f"{'input':24} {'before: chars':>14} {'ms':>8}   {'after: chars':>13} {'ms':>8}")
    worst_before = worst_after = 0.0
    for name, unit in UNITS.items():
        before = text_of(unit, N)
        after = longest_accepted(unit, N)
        b, a = render_ms(before), render_ms(after) if after.strip() else 0.0
        worst_before, worst_after = max(worst_before, b), max(worst_after, a)
        print(f"{name:24} {len(before):14d} {b:8.1f}   {len(after):13d} {a:8.1f}")
    print(f"{'worst':24} {'':14} {worst_before:8.1f}   {'':13} {worst_after:8.1f}")


if __name__ == "__main__":
    main()
