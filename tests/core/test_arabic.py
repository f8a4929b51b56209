"""Arabic normalisation: the examples a reader would check, then the properties that must always hold."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forum.core.arabic import normalise, strip_definite_article

TASHKEEL_OR_TATWEEL = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")


@pytest.mark.parametrize(("written", "expected"), [
    ("إسلام", "اسلام"),
    ("أمل", "امل"),
    ("آمال", "امال"),
    ("ٱلله", "الله"),
    ("مؤتمر", "موتمر"),
    ("مسائل", "مسايل"),
    ("مستوى", "مستوي"),
    ("مدرسة", "مدرسه"),
    ("مُجْتَمَعٌ", "مجتمع"),
    ("مجـــتمع", "مجتمع"),
    ("بِسْمِ ٱللَّٰهِ", "بسم الله"),
    ("٢٠٢٦ و۱۹", "2026 و19"),
    ("ﻷ", "لا"),  # presentation-form ligature lam-alef with hamza
    ("\u200fمدرسة\u200e", "مدرسه"),  # bidi marks are invisible and must not block a match
    ("Élections  MUNICIPALES", "elections municipales"),  # accents folded: "elections" finds them
    ("  spaced\tout\n", "spaced out"),
    ("ماء", "ماء"),  # the lone hamza stays
    ("", ""),
])
def test_normalise_examples(written, expected):
    assert normalise(written) == expected


def test_decomposed_alef_with_hamza_equals_the_composed_letter():
    assert normalise("\u0627\u0654\u0645\u0644") == normalise("أمل") == "امل"


def test_none_is_treated_as_empty():
    assert normalise(None) == ""


@pytest.mark.parametrize(("word", "stem"), [
    ("المجتمع", "مجتمع"),
    ("والمجتمع", "مجتمع"),
    ("بالمدرسه", "مدرسه"),
    ("للمدرسه", "مدرسه"),
    ("الم", "الم"),  # too short to be an article plus a word
    ("مجتمع", "مجتمع"),
    ("election", "election"),
])
def test_strip_definite_article(word, stem):
    assert strip_definite_article(word) == stem


# Text as people write it here: Arabic letters in all their forms, marks, tatweel, both digit sets,
# French and English letters, punctuation, white space and invisible marks.
ARABIC = [chr(c) for c in range(0x0621, 0x064B)] + ["ٱ", "ی", "ک", "ة", "ى", "ؤ", "ئ", "ء", "،", "؟"]
MARKS = [chr(c) for c in range(0x064B, 0x0660)] + ["\u0670", "\u0610", "\u06d6", "\u06ed", "\u0640"]
DIGITS = [chr(c) for c in range(0x0660, 0x066A)] + [chr(c) for c in range(0x06F0, 0x06FA)]
LATIN = list(string.ascii_letters + string.digits + string.punctuation) + list("àâäçéèêëîïôöùûüÿñæœÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÑÆŒ")
SPACES = [" ", "\t", "\n", "\u00a0", "\u200c", "\u200d", "\u200e", "\u200f", "\u061c"]
mixed_text = st.text(alphabet=st.sampled_from(ARABIC + MARKS + DIGITS + LATIN + SPACES), max_size=80)
latin_text = st.text(alphabet=st.sampled_from(LATIN + [" ", "\t", "\n"]), max_size=80)


@settings(max_examples=300)
@given(mixed_text)
def test_normalise_is_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_normalise_is_idempotent_on_any_unicode(text):
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=300)
@given(mixed_text)
def test_no_tashkeel_or_tatweel_survives(text):
    assert not TASHKEEL_OR_TATWEEL.search(normalise(text))


@settings(max_examples=300)
@given(mixed_text)
def test_no_hamza_carrier_alef_maqsura_ta_marbuta_or_indic_digit_survives(text):
    assert not set(normalise(text)) & set("أإآٱؤئىةی٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹")


@settings(max_examples=300)
@given(mixed_text)
def test_length_never_grows(text):
    # Holds for the scripts written here; NFKC ligatures such as ﷺ and the German ß do expand.
    assert len(normalise(text)) <= len(text)


@settings(max_examples=300)
@given(latin_text)
def test_latin_text_is_untouched_except_case_accents_and_spacing(text):
    import unicodedata

    unaccented = "".join(ch for ch in unicodedata.normalize("NFD", text.casefold())
                         if not "\u0300" <= ch <= "\u036f")
    assert normalise(text) == " ".join(unicodedata.normalize("NFC", unaccented).split())


@settings(max_examples=200)
@given(mixed_text, mixed_text)
def test_normalising_words_separately_agrees_with_the_whole(left, right):
    # The index normalises word by word to keep snippets aligned; it must equal the whole-text form.
    assert normalise(normalise(left) + " " + normalise(right)) == normalise(left + " " + right)
