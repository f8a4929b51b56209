"""Arabic normalisation for search: the same letters written differently compare equal.

Applied to both the indexed text and the query, so the two always agree:

- NFKC first, which also turns presentation forms (ﻷ, ﺔ, …) into plain letters;
- alef forms (أ إ آ ٱ ٲ ٳ) → ا; hamza on waw ؤ → و, on ya ئ → ي; alef maqsura ى → ي;
  ta marbuta ة → ه; Persian kaf and ya → Arabic ones;
- tashkeel, Quranic annotation marks and tatweel removed;
- Arabic-Indic and Persian digits → ASCII digits;
- invisible format and control characters (bidi marks, zero-width joiners) removed;
- everything case-folded (Latin, Greek, …), and Latin accents folded too (é → e, ç → c), so
  `citoyennete` finds "citoyenneté" (PostgreSQL's French stemmer reads the folded words on both
  sides alike; ligatures such as œ stay, since expanding them would lengthen the text);
- runs of white space become one space, ends trimmed.

The lone hamza (ء) is kept: dropping it would make distinct short words collide (ماء / ما).

`strip_definite_article` is the one piece of light stemming: "المجتمع", "والمجتمع" and "بالمجتمع"
also match "مجتمع". It works on normalised words.
"""

from __future__ import annotations

import re
import unicodedata

# Harakat, tanween, shadda, sukun, small high/low marks, superscript alef, Quranic annotations,
# and the extended-A/B combining marks.
_MARKS = re.compile(
    "[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0898-\u089f\u08ca-\u08e1\u08e3-\u08ff]"
)
_TATWEEL = "\u0640"
_LATIN_ACCENTS = re.compile("[\u0300-\u036f]")
_TRANSLATE = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ؤ": "و", "ئ": "ي", "ى": "ي", "ی": "ي", "ې": "ي", "ة": "ه", "ۀ": "ه", "ک": "ك",
    "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4", "٥": "5", "٦": "6", "٧": "7", "٨": "8", "٩": "9",
    "۰": "0", "۱": "1", "۲": "2", "۳": "3", "۴": "4", "۵": "5", "۶": "6", "۷": "7", "۸": "8", "۹": "9",
})
_SPACES = re.compile(r"\s+")
# The definite article, alone or after wa-, bi-, ka-, fa-; li- + al- is written "لل".
_ARTICLE = re.compile("^(?:ال|وال|بال|كال|فال|لل)")


def _visible(ch: str) -> bool:
    """False for control and format characters (bidi marks, ZWJ/ZWNJ, soft hyphen); white space stays."""
    category = unicodedata.category(ch)
    if category == "Cc":
        return ch.isspace()
    return category != "Cf"


def normalise(text: str) -> str:
    """Return `text` folded for matching: NFKC, Arabic letter forms unified, marks removed, casefolded.

    Idempotent; for Arabic, French and English text the result is never longer than the input.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(ch for ch in text if _visible(ch))
    text = _MARKS.sub("", text).replace(_TATWEEL, "").translate(_TRANSLATE)
    # Accents of Latin (and Greek, Cyrillic) letters: decompose, drop the combining marks, compose
    # what remains (Arabic letters are unaffected: their marks are outside this block).
    text = _LATIN_ACCENTS.sub("", unicodedata.normalize("NFD", text))
    text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub(" ", text).strip()


def strip_definite_article(word: str) -> str:
    """The normalised `word` without a leading definite article, when at least two letters remain."""
    match = _ARTICLE.match(word)
    if match and len(word) - match.end() >= 2:
        return word[match.end():]
    return word
