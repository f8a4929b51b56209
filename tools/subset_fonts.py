"""Build the self-hosted font in static/fonts/ from Debian's Noto TTFs (package fonts-noto-core).

A tool run once by a maintainer, not a runtime dependency:

    apt-get install -y fonts-noto-core
    .venv/bin/pip install fonttools brotli
    .venv/bin/python tools/subset_fonts.py

One face: Noto Sans Arabic, regular, subset to what Arabic text here writes (letters, tashkeel,
Arabic-Indic digits, punctuation, the Persian/Kurdish letters common in Syrian names, the joiners
and the bidi marks). Latin text uses the system's interface font and bold Arabic the browser's
emboldening: a Noto Sans pair and a second Arabic weight (35 KB more) would put a thread page over
its 40 KB gzip budget (issue #11 §4; docs/design.md, "Fonts"). OpenType layout needed for shaping
(Arabic joining, lam-alef, marks, kerning) is kept. Output is woff2; the `unicode-range` of the
face in static/css/site.css must match RANGES below.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset

SOURCE = Path("/usr/share/fonts/truetype/noto")
TARGET = Path(__file__).resolve().parent.parent / "static" / "fonts"

# Kept in step with the @font-face rule of static/css/site.css.
RANGES = {
    "arabic": "U+060C, U+061B, U+061F, U+0621-0652, U+0660-066D, U+0670, U+067E, U+0686, U+0695, U+0698, U+06A4, U+06A9, U+06AF, U+06B5, U+06C6, U+06CC, U+06CE, U+06D5, U+200C-200F",
}
# Arabic keeps the features that shape it right (joining forms, the lam-alef ligature, marks, kerning),
# not Noto's optional ligatures and stylistic sets: they pull in hundreds of glyphs (25 KB -> 11 KB).
ARABIC_FEATURES = ["ccmp", "locl", "isol", "init", "medi", "fina", "rlig", "calt", "mark", "mkmk", "curs", "kern"]
FACES = [
    ("NotoSansArabic-Regular.ttf", "noto-sans-arabic-400.woff2", "arabic"),
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
