"""The XSS corpus and property tests: nothing executable or outside-loading survives render_post.

The corpus (tests/core/xss_corpus/, sources in its README) holds payloads from DOMPurify's fixtures
(with the html5sec vectors), the OWASP filter-evasion cheat sheet and bleach's own tests. Each one is
rendered raw and inside every Markdown construct; the output is parsed with html5lib and html.parser
and checked by a checker that does not share code with the policy.
"""

from __future__ import annotations

from html import escape

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from forum.core import richtext
from forum.core.richtext import render_chat, render_post
from tests.core.xss_corpus import html_payloads, markdown_contexts, problems_in, url_payloads

HTML_PAYLOADS = html_payloads()
URL_PAYLOADS = url_payloads()
MENTIONS = {"ali": "/me/u/1/", "x": "/me/u/2/"}


def test_corpus_holds_several_hundred_payloads():
    assert len(HTML_PAYLOADS) + len(URL_PAYLOADS) >= 500
    assert len({payload for _id, payload in HTML_PAYLOADS}) >= 400


def test_checker_catches_what_it_must():
    """The checker itself is tested, so a silent checker cannot pass the corpus."""
    bad = {
        "<script>alert(1)</script>": "forbidden element <script>",
        '<a href="javascript:alert(1)">x</a>': "href with scheme 'javascript'",
        '<a href="java&#x09;script:alert(1)">x</a>': "href with scheme 'javascript'",
        '<a href=" &#14; javascript:1">x</a>': "href with scheme 'javascript'",
        '<img src="https://tracker.example/p.png">': "loads from outside the site",
        '<img src="//tracker.example/p.png">': "loads from outside the site",
        '<p style="color:red">x</p>': "style attribute",
        '<p onclick="x()">x</p>': "event handler onclick",
        "<svg></svg>": "forbidden element <svg>",
        "<math></math>": "forbidden element <math>",
        "<iframe></iframe>": "forbidden element <iframe>",
        '<base href="//evil/">': "forbidden element <base>",
        "<!-- x -->": "HTML comment survived",
    }
    for html, expected in bad.items():
        assert any(expected in problem for problem in problems_in(html)), (html, problems_in(html))
    assert problems_in('<p dir="auto"><a href="https://ok.example/" rel="nofollow">x</a>'
                       '<img src="/t/attachments/1/" alt=""></p>') == []


@pytest.mark.parametrize("payload", [p for _i, p in HTML_PAYLOADS], ids=[i for i, _p in HTML_PAYLOADS])
def test_html_payload_is_inert_in_every_markdown_context(payload):
    for context, source in markdown_contexts(payload).items():
        html = render_post(source, mentions=MENTIONS)
        assert problems_in(html) == [], (context, source, html)
        chat = render_chat(source)
        assert problems_in(chat) == [], ("chat", context, source, chat)


@pytest.mark.parametrize("url", [p for _i, p in URL_PAYLOADS], ids=[i for i, _p in URL_PAYLOADS])
def test_url_payload_never_becomes_a_dangerous_href_or_an_outside_image(url):
    for context, source in markdown_contexts(url).items():
        html = render_post(source)
        assert problems_in(html) == [], (context, source, html)


def test_sanitise_html_alone_cleans_every_raw_payload():
    """The bleach stage on its own (the second line of defence behind markdown-it) also holds."""
    failures = {i: problems_in(richtext.sanitise_html(p)) for i, p in HTML_PAYLOADS}
    assert {i: found for i, found in failures.items() if found} == {}


def test_sanitise_html_alone_refuses_every_url_payload_in_href_and_src():
    for ident, url in URL_PAYLOADS:
        for html in (f'<a href="{escape(url)}">x</a>', f'<img src="{escape(url)}">', f"<a href='{url}'>x</a>"):
            assert problems_in(richtext.sanitise_html(html)) == [], (ident, html)


# --- Properties -----------------------------------------------------------------------------------
# Fragments that make Markdown and HTML constructs more likely than plain random text would.
FRAGMENTS = [
    "<", ">", "</", "/>", "<!--", "-->", "<![CDATA[", "]]>", "<?", "&", "&#", "&#x", ";", "&lt;", "&colon;",
    "\"", "'", "`", "```", "=", " ", "\n", "\t", "\x00", "\u2028", "\u200b", "\u202e",
    "[", "]", "(", ")", "](", "![", "*", "_", "#", "> ", "- ", "1. ", "|", "---", "\\", "@", "@[", "www.", ".",
    "script", "img", "svg", "math", "iframe", "style", "a", "href", "src", "on", "onerror", "onload",
    "javascript", "java\tscript", "vbscript", "data", ":", "http", "https", "//", "/t/attachments/1/",
    "alert(1)", "x", "علي", "سارة", "ali",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
@example("<img src=x onerror=alert(1)>")
@example("[x](javascript:alert(1))")
def test_arbitrary_text_renders_safe(source):
    assert problems_in(render_post(source, mentions=MENTIONS)) == []
    assert problems_in(render_chat(source, mentions=MENTIONS)) == []


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join))
def test_markdown_and_html_shaped_text_renders_safe(source):
    assert problems_in(render_post(source, mentions=MENTIONS)) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join))
def test_cleaning_rendered_html_again_changes_nothing(source):
    """Idempotent: the stored HTML is a fixed point of the sanitiser, so a re-render cannot drift."""
    html = render_post(source, mentions=MENTIONS)
    again = richtext.sanitise_html(html)
    assert again == html
    assert problems_in(again) == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_rendering_is_deterministic(source):
    assert render_post(source, mentions=MENTIONS) == render_post(source, mentions=MENTIONS)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.text(min_size=1, max_size=12), st.one_of(st.text(max_size=40), st.sampled_from(FRAGMENTS)),
                    max_size=4),
    st.lists(st.sampled_from(FRAGMENTS + ["@", "@[", "]", " "]), max_size=40).map("".join),
)
def test_any_mention_map_renders_safe(mentions, source):
    """Even a hostile {key: URL} map (a display name is user text) cannot inject markup."""
    names = " ".join(f"@{key} @[{key}]" for key in mentions)
    html = render_post(f"{source} {names}", mentions=mentions)
    assert problems_in(html) == []
