"""Time screening texts with the watched words: no words (the baseline, same run) against 10, 100
and 1,000 words (plus a few patterns), on posts of 1,000, 5,000 and 20,000 characters, and on
hostile texts (one letter repeated, near-misses of every word). Prints JSON.

Usage: .venv/bin/python bench/watchwords.py [repeats]   (default 20; best of the repeats, in ms)

It runs the code a post goes through (`forum.moderation.watchwords.verdict_of` with the patterns
`compiled` makes from the list), without the cache read. What to look for: time grows with the
text's length (linear), and far less than proportionally with the number of words.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup()

from bench._common import SAMPLE_SOURCES  # noqa: E402
from forum.moderation import watchwords  # noqa: E402

REPEATS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
rng = random.Random(7)
ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
LATIN = "abcdefghijklmnopqrstuvwxyz"


def word(alphabet: str) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(4, 9)))


def word_list(n: int) -> tuple:
    entries = [("word", word(ARABIC if i % 2 else LATIN), ("block", "hold", "flag")[i % 3]) for i in range(n)]
    if n:
        entries += [("pattern", r"\d{3}-\d{4}", "hold"), ("pattern", r"(?:https?://)?bit\.ly/\w+", "flag"),
                    ("pattern", r"[a-z]+@[a-z]+\.org", "flag")]
    return tuple(entries)


def text_of(chars: int) -> str:
    out, i = [], 0
    while sum(map(len, out)) < chars:
        out.append(SAMPLE_SOURCES[i % len(SAMPLE_SOURCES)])
        i += 1
    return "\n\n".join(out)[:chars]


def best_ms(fn) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(min(times) * 1000, 3)


def main() -> None:
    lists = {n: word_list(n) for n in (0, 10, 100, 1000)}
    texts = {f"post {n} chars": text_of(n) for n in (1000, 5000, 20000)}
    texts["20000 × one letter"] = "ا" * 20000
    near = " ".join(w[:-1] for _k, w, _a in lists[1000] if _k == "word")  # every word, one letter short
    texts["near-misses of 1000 words"] = (near * (20000 // len(near) + 1))[:20000]
    results = {}
    for n, entries in lists.items():
        start = time.perf_counter()
        watchwords.compiled.cache_clear()
        patterns = watchwords.compiled(entries)
        compile_ms = round((time.perf_counter() - start) * 1000, 3)
        row = {"compile_ms": compile_ms}
        for name, text in texts.items():
            verdict = watchwords.verdict_of(patterns, [text])
            row[name] = {"ms": best_ms(lambda text=text, patterns=patterns: watchwords.verdict_of(patterns, [text])), "verdict": verdict}
        results[f"{n} words"] = row
    baseline = results["0 words"]
    for row in results.values():
        for name, text in texts.items():
            row[name]["extra_ms_over_baseline"] = round(row[name]["ms"] - baseline[name]["ms"], 3)
            row[name]["ms_per_1000_chars"] = round(row[name]["ms"] * 1000 / len(text), 3)
    print(json.dumps({"bench": "watchwords", "repeats": REPEATS, "baseline": "0 words (same run)",
                      "results": results}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
