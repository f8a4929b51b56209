"""Build the self-hosted fonts in static/fonts/ from Debian's Noto TTFs (package fonts-noto-core).

A tool run once by a maintainer, not a runtime dependency:

    apt-get install -y fonts-noto-core
    .venv/bin/pip install fonttools brotli
    .venv/bin/python tools/subset_fonts.py

Two families, two weights each (400 and 700, the only ones the stylesheet uses), subset to what the
three interface languages write: Arabic (letters, digits, punctuation, the joiners, the small set of
presentation forms user text may carry), Latin with Latin-1 and the French letters outside it (œ Œ
Ÿ), general punctuation (quotes, dashes, ellipsis, the bidi marks), and the euro sign. OpenType
layout needed for shaping (Arabic joining, lam-alef, marks, kerning) is kept. Output is woff2;
the `unicode-range` of each face in static/css/site.css must match RANGES below.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset

SOURCE = Path("/usr/share/fonts/truetype/noto")
TARGET = Path(__file__).resolve().parent.parent / "static" / "fonts"

# Kept in step with the @font-face rules of static/css/site.css.
RANGES = {
    "latin": "U+0000-00FF, U+0131, U+0152-0153, U+0178, U+02BC, U+02C6, U+02DA, U+02DC, U+2000-206F, U+20AC, U+2122, U+2190-2193, U+2212",
    "arabic": "U+060C, U+061B, U+061F, U+0621-0652, U+0660-066D, U+0670, U+067E, U+0686, U+0695, U+0698, U+06A4, U+06A9, U+06AF, U+06B5, U+06C6, U+06CC, U+06CE, U+06D5, U+200C-200F",
}
# Arabic keeps the features that shape it right (joining forms, the lam-alef ligature, marks, kerning),
# not Noto's optional ligatures and stylistic sets: they pull in hundreds of glyphs (25 KB -> 11 KB).
ARABIC_FEATURES = ["ccmp", "locl", "isol", "init", "medi", "fina", "rlig", "calt", "mark", "mkmk", "curs", "kern"]
FACES = [
    ("NotoSans-Regular.ttf", "noto-sans-400.woff2", "latin"),
    ("NotoSans-Bold.ttf", "noto-sans-700.woff2", "latin"),
    ("NotoSansArabic-Regular.ttf", "noto-sans-arabic-400.woff2", "arabic"),
    ("NotoSansArabic-Bold.ttf", "noto-sans-arabic-700.woff2", "arabic"),
]


def unicodes(spec: str) -> list[int]:
    out: list[int] = []
    for part in spec.split(","):
        part = part.strip().removeprefix("U+")
        first, _, last = part.partition("-")
        out.extend(range(int(first, 16), int(last or first, 16) + 1))
    return out


def build(source: Path, target: Path, ranges: str) -> int:
    options = subset.Options()
    options.flavor = "woff2"
    if ranges == RANGES["arabic"]:
        options.layout_features = ARABIC_FEATURES
    options.name_IDs = ["*"]  # keep the copyright and licence names the OFL asks us to keep
    options.name_languages = [0x409]
    options.notdef_outline = True
    options.hinting = False  # woff2 on screens that render without it; saves a third
    options.desubroutinize = True
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes(ranges))
    subsetter.subset(font)
    subset.save_font(font, str(target), options)
    return target.stat().st_size


def main() -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    total = 0
    for source_name, target_name, ranges in FACES:
        size = build(SOURCE / source_name, TARGET / target_name, RANGES[ranges])
        total += size
        print(f"{target_name}: {size} bytes")
    print(f"total: {total} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
