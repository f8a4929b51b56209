"""Text for the index and for queries: words as written, their normalised forms, terms, snippets.

The body is kept twice, word-aligned: `body_text` as the reader wrote it and `body_norm` with word
*i* normalised. Matching happens on the normalised side; the snippet shows the written words, so a
reader sees "مدرسة" with its ta marbuta even though "مدرسه" matched.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from forum.core.arabic import normalise, strip_definite_article

# Stands for a written word that normalises to nothing (a lone mark, a line of tatweel), so the
# two word lists stay aligned. Punctuation: no database tokeniser treats it as a word.
EMPTY_WORD = "-"
# Markers ts_headline puts around matches: private-use characters, removed from indexed text.
START_MARK = "\ue000"
STOP_MARK = "\ue001"
SNIPPET_WORDS = 30
_PRIVATE_USE = re.compile("[\ue000\ue001]")
# Punctuation stripped from the edges of query words (Latin, Arabic and general punctuation).
_PUNCTUATION_CHARS = "".join(chr(c) for c in range(0x3000) if unicodedata.category(chr(c)).startswith("P"))


def visible_text(post_html: str) -> str:
    """The words a reader sees in a post's stored HTML, one space apart."""
    text = html.unescape(strip_tags(post_html or ""))
    text = _PRIVATE_USE.sub("", text)
    text = "".join(ch if unicodedata.category(ch) != "Cc" else " " for ch in text)
    return " ".join(text.split())


def normalise_words(text: str) -> list[str]:
    """One normalised word per written word of `text` (split on white space)."""
    words = []
    for word in text.split():
        norm = "".join(normalise(word).split())  # NFKC can expand a ligature into several words
        words.append(norm or EMPTY_WORD)
    return words


def stems_of(*norm_texts: str) -> str:
    """The distinct article-less forms of the words of normalised texts, space-separated."""
    seen: dict[str, None] = {}
    for text in norm_texts:
        for word in text.split():
            stem = strip_definite_article(word.strip(_PUNCTUATION_CHARS))
            if stem != word.strip(_PUNCTUATION_CHARS):
                seen.setdefault(stem, None)
    return " ".join(seen)


@dataclass
class DocumentText:
    title_norm: str
    body_text: str
    body_norm: str
    stems: str


def document_text(*, title: str, post_html: str) -> DocumentText:
    body_text = visible_text(post_html)
    body_norm = " ".join(normalise_words(body_text))
    title_norm = normalise(_PRIVATE_USE.sub("", title or ""))
    return DocumentText(title_norm=title_norm, body_text=body_text, body_norm=body_norm,
                        stems=stems_of(title_norm, body_norm))


# --- Queries ----------------------------------------------------------------------------------



@dataclass
class ParsedQuery:
    """A query as the database sees it: `text` for websearch_to_tsquery, `terms`/`excluded` for LIKE."""

    text: str
    terms: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)


def parse_query(raw: str, *, max_terms: int) -> ParsedQuery:
    """Normalise a query like the index: each word loses punctuation at its edges and its article.

    "-word" excludes a word (as websearch_to_tsquery reads it); quotes are ignored by the LIKE
    fallback. At most `max_terms` words are kept.
    """
    words = normalise(_PRIVATE_USE.sub("", raw or "")).split()[:max_terms]
    terms: list[str] = []
    excluded: list[str] = []
    written: list[str] = []
    for word in words:
        negative = word.startswith("-") and len(word) > 1
        term = strip_definite_article(word.strip(_PUNCTUATION_CHARS + "-"))
        if not term:
            continue
        target = excluded if negative else terms
        if term not in target:
            target.append(term)
        written.append(f"-{term}" if negative else term)
    return ParsedQuery(text=" ".join(written), terms=terms, excluded=excluded)


# --- Snippets ---------------------------------------------------------------------------------

def _word_matches(norm_word: str, terms: list[str]) -> bool:
    return any(term in norm_word for term in terms)


def _render(words: list[str], marked: set[int], start: int, end: int) -> SafeString:
    parts = [f"<mark>{escape(words[i])}</mark>" if i in marked else str(escape(words[i]))
             for i in range(start, end)]
    if start > 0:
        parts.insert(0, "…")
    if end < len(words):
        parts.append("…")
    return mark_safe(" ".join(parts))  # noqa: S308 - every word is escaped above


def snippet_from_terms(*, body_text: str, body_norm: str, terms: list[str],
                       size: int = SNIPPET_WORDS) -> SafeString:
    """The written words around the first match of a term, matches in <mark>, all HTML-escaped."""
    words = body_text.split(" ") if body_text else []
    norms = body_norm.split(" ") if body_norm else []
    if len(norms) != len(words):  # an index row from an older layout: show without marks
        norms = normalise_words(body_text)
    marked = {i for i, norm in enumerate(norms) if _word_matches(norm, terms)}
    first = min(marked) if marked else 0
    start = max(0, first - size // 3)
    end = min(len(words), start + size)
    start = max(0, min(start, end - size))
    return _render(words, marked, start, end)


_HEADLINE_MATCH = re.compile(f"{START_MARK}([^{STOP_MARK}]+){STOP_MARK}")


def snippet_from_headline(*, body_text: str, body_norm: str, headline: str, terms: list[str]) -> SafeString:
    """Map PostgreSQL's ts_headline over `body_norm` back onto the written words.

    ts_headline returns a stretch of the normalised text with START_MARK/STOP_MARK around matched
    words (stemmed matches included); the stretch is found in `body_norm` and the same words are
    shown as written. Words whose article-less form is a term are marked too.
    """
    words = body_text.split(" ") if body_text else []
    norms = body_norm.split(" ") if body_norm else []
    plain = (headline or "").replace(START_MARK, "").replace(STOP_MARK, "")
    offset = body_norm.find(plain) if plain else -1
    if offset < 0 or len(norms) != len(words):
        # ts_headline drops tag-like text ("<b>" written as words); keep its stemmed matches anyway.
        matched = _HEADLINE_MATCH.findall(headline or "")
        return snippet_from_terms(body_text=body_text, body_norm=body_norm, terms=[*terms, *matched])
    start = body_norm.count(" ", 0, offset)
    # A stretch that starts inside a word (it cannot, but be safe) still aligns on that word.
    shown = headline.split(" ")
    end = min(len(words), start + len(shown))
    marked = {start + i for i, word in enumerate(shown) if START_MARK in word}
    marked |= {i for i in range(start, end) if strip_definite_article(norms[i]) in terms}
    return _render(words, marked, start, end)
