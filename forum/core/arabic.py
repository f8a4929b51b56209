"""Arabic normalisation for search: the same letters written differently compare equal.

Applied to both the indexed text and the query: alef forms (أ إ آ ٱ → ا), hamza on waw/ya
(ؤ → و, ئ → ي), alef maqsura (ى → ي), ta marbuta (ة → ه), tashkeel and Quranic marks removed,
tatweel removed, Arabic-Indic digits to ASCII. Latin text is case-folded.
"""

from __future__ import annotations

import re
import unicodedata

_TASHKEEL = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_TRANSLATE = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ؤ": "و", "ئ": "ي", "ى": "ي", "ی": "ي", "ة": "ه", "ك": "ك", "ک": "ك",
    "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4", "٥": "5", "٦": "6", "٧": "7", "٨": "8", "٩": "9",
    "۰": "0", "۱": "1", "۲": "2", "۳": "3", "۴": "4", "۵": "5", "۶": "6", "۷": "7", "۸": "8", "۹": "9",
})
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Return `text` folded for matching: NFKC, Arabic letter forms unified, marks removed, casefolded."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _TASHKEEL.sub("", text).replace(_TATWEEL, "")
    text = text.replace("ء", "")  # a lone hamza is often omitted in writing
    text = text.translate(_TRANSLATE).casefold()
    return _SPACES.sub(" ", text).strip()
