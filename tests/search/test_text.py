"""Index text and queries: properties that keep snippets aligned and any input harmless."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum.search import selectors
from forum.search.text import (
    EMPTY_WORD,
    document_text,
    normalise_words,
    parse_query,
    snippet_from_headline,
    snippet_from_terms,
    visible_text,
)

ARABIC_WORDS = ["مُجْتَمَع", "المدرسة", "إسلام", "مستوى", "مجـــتمع", "ـــ", "ً", "ﷺ", "٢٠٢٦"]
LATIN_WORDS = ["élections", "Meeting", "<b>", "&amp;", "a&b", "ﬁn", "-", '"quoted"', "\u200f"]
words = st.lists(st.sampled_from(ARABIC_WORDS + LATIN_WORDS) | st.text(max_size=8), max_size=40)


@settings(max_examples=300)
@given(words)
def test_written_and_normalised_words_stay_aligned(sample):
    text = document_text(title="", post_html=" ".join(sample))
    written = text.body_text.split(" ") if text.body_text else []
    normalised = text.body_norm.split(" ") if text.body_norm else []
    assert len(written) == len(normalised)
    assert all(word for word in normalised)


def test_a_word_that_normalises_to_nothing_keeps_its_place():
    assert normalise_words("قبل ـــ بعد") == ["قبل", EMPTY_WORD, "بعد"]


def test_visible_text_drops_tags_and_control_characters_and_unescapes():
    assert visible_text("<p>a &amp; b</p>\n<p>c\x07d \ue000e</p>") == "a & b c d e"


@settings(max_examples=300)
@given(st.text(max_size=60), words)
def test_snippets_are_always_escaped(query, sample):
    body = visible_text(" ".join(sample))
    norm = " ".join(normalise_words(body))
    terms = parse_query(query, max_terms=12).terms
    for snippet in (snippet_from_terms(body_text=body, body_norm=norm, terms=terms),
                    snippet_from_headline(body_text=body, body_norm=norm, headline=norm[:40], terms=terms)):
        stripped = str(snippet).replace("<mark>", "").replace("</mark>", "")
        assert "<" not in stripped and ">" not in stripped


def test_a_headline_that_drops_tag_like_words_still_marks_its_matches():
    # ts_headline leaves out "<b>"; the stretch is not found, its marked words still are.
    snippet = snippet_from_headline(body_text="voir <b> l'élection", body_norm="voir <b> l'élection",
                                    headline="voir   l'\ue000élection\ue001", terms=["élections"])
    assert str(snippet) == "voir &lt;b&gt; <mark>l&#x27;élection</mark>"


def test_a_headline_that_does_not_fit_the_text_falls_back_to_terms():
    snippet = snippet_from_headline(body_text="المدرسة الكبيرة", body_norm="المدرسه الكبيره",
                                    headline="something else", terms=["مدرسه"])
    assert str(snippet) == "<mark>المدرسة</mark> الكبيرة"


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_parse_query_terms_are_normalised_words_without_edges(raw):
    query = parse_query(raw, max_terms=12)
    assert len(query.terms) + len(query.excluded) <= 12
    for term in query.terms + query.excluded:
        assert term and " " not in term
        assert parse_query(term, max_terms=12).terms in ([term], [])


def test_parse_query_drops_the_snippet_markers():
    assert parse_query("\ue000مدرسة\ue001", max_terms=12).terms == ["مدرسه"]


def test_parse_query_reads_minus_and_drops_articles_and_punctuation():
    query = parse_query("«المجتمع»، -الحرب élections!", max_terms=12)
    assert query.terms == ["مجتمع", "elections"]
    assert query.excluded == ["حرب"]
    assert query.text == "مجتمع -حرب elections"


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(raw=st.text(max_size=80))
def test_any_query_text_runs_on_the_database(raw, make_post, member):
    make_post(source="مجتمع مدني")
    query = parse_query(raw, max_terms=12)
    if query.terms:
        list(selectors.search_documents(viewer=member, query=query))
