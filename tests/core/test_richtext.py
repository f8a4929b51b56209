"""forum.core.richtext: the Markdown → safe HTML policy, mentions, quotes."""

from __future__ import annotations

import re

import pytest

from forum.accounts.names import display_name_key
from forum.core import richtext
from forum.core.richtext import (
    is_safe_url,
    mention_keys,
    quote_markdown,
    quoted_post_ids,
    render_chat,
    render_post,
    render_preview,
)

MENTIONS = {"ali": "/me/u/1/", "سارة": "/me/u/2/", "jean dupont": "/me/u/3/"}


# --- Markdown basics ----------------------------------------------------------------------------
def test_emphasis_lists_headings_and_quotes_render_with_their_direction():
    html = render_post("# Title\n\n**bold** _it_ ~~gone~~\n\n- one\n- two\n\n> quoted")
    assert '<h1 dir="auto">Title</h1>' in html
    assert "<strong>bold</strong> <em>it</em> <s>gone</s>" in html
    assert '<ul dir="ltr">\n<li dir="auto">one</li>' in html
    assert '<blockquote dir="ltr">' in html
    assert '<p dir="auto">quoted</p>' in html


def test_lists_and_quotes_take_the_direction_of_their_own_first_letter_in_a_mixed_post():
    # dir="auto" on a quote or list would skip its blocks (they carry their own dir) and compute
    # as left to right: an Arabic quote in any post, or an Arabic list in a French post, gets "rtl".
    html = render_post("Nous proposons :\n\n- **١.** جمع الشهادات\n- Second\n\n> الشاهد أولاً\n\n"
                       "1. Un\n\n   > نص\n2. Deux")
    assert '<ul dir="rtl">\n<li dir="auto"><strong>١.</strong> جمع الشهادات</li>\n<li dir="auto">Second</li>' in html
    assert '<blockquote dir="rtl">\n<p dir="auto">الشاهد أولاً</p>' in html
    assert '<ol dir="ltr">\n<li dir="ltr">\n<p dir="auto">Un</p>\n<blockquote dir="rtl">' in html


def test_a_fragment_without_any_letter_gives_its_containers_no_direction():
    html = render_post("- 1\n- 2\n\n> 3")
    assert "<ul>" in html and "<blockquote>" in html
    assert richtext.html_direction(html) is None


@pytest.mark.parametrize("html,direction", [
    ('<p dir="auto">نص</p><p dir="auto">text</p>', "rtl"),
    ('<p dir="auto"><a href="/x">Link</a> نص</p>', "ltr"),
    ('<p dir="auto">123 — « سلام »</p>', "rtl"),
    ('<p dir="auto">&lt;b&gt; 42</p>', "ltr"),
    ("", None),
])
def test_html_direction_is_the_first_strong_letter_outside_tags(html, direction):
    assert richtext.html_direction(html) == direction


def test_a_second_cleaning_pass_keeps_explicit_directions():
    once = render_post("> الشاهد\n\n- a")
    assert richtext.sanitise_html(once) == once
    # A direction given in the HTML is never trusted; it is worked out again from the text.
    assert richtext.sanitise_html('<blockquote dir="rtl"><p>x</p></blockquote>') == \
        '<blockquote dir="ltr"><p dir="auto">x</p></blockquote>'


def test_raw_html_is_shown_as_text_not_markup():
    html = render_post("<b>x</b> <script>alert(1)</script>")
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<script" not in html and "<b>" not in html


def test_code_blocks_keep_their_text_escaped_once():
    html = render_post("```python\nif a < b & c:\n    @ali http://x.org\n```", mentions=MENTIONS)
    assert '<code class="language-python">if a &lt; b &amp; c:\n    @ali http://x.org\n</code>' in html
    assert "<a" not in html


def test_tables_render_without_style_attributes():
    html = render_post("| a | b |\n|:-|--:|\n| 1 | 2 |")
    assert '<th dir="auto">a</th>' in html and '<td dir="auto">2</td>' in html
    assert "style" not in html


# --- Links --------------------------------------------------------------------------------------
def test_links_get_rel_nofollow_ugc_noopener():
    html = render_post("[site](https://example.org/a) and [local](/c/)")
    assert '<a href="https://example.org/a" rel="nofollow ugc noopener">site</a>' in html
    assert '<a href="/c/" rel="nofollow ugc noopener">local</a>' in html


def test_bare_web_addresses_are_linked_but_not_file_names():
    html = render_post("See https://example.org/x?a=1&b=2. Or (www.example.com/a_(b)), not notes.py")
    assert '<a href="https://example.org/x?a=1&amp;b=2" rel="nofollow ugc noopener">' in html
    assert '<a href="http://www.example.com/a_(b)" rel="nofollow ugc noopener">www.example.com/a_(b)</a>),' in html
    assert "notes.py" in html and 'href="http://notes.py"' not in html


@pytest.mark.parametrize("source", [
    "[x](javascript:alert(1))",
    "[x](javascript:123)",
    "[x](JaVaScRiPt:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](file:///etc/passwd)",
    "[x](<java\tscript:alert(1)>)",
    "<javascript:alert(1)>",
])
def test_dangerous_link_schemes_never_become_hrefs(source):
    html = render_post(source)
    # `java%09script:` is a harmless relative path to a browser (`%` cannot be in a scheme).
    assert not re.search(r'href="(?![a-z]*%)[a-z]+:', html, re.I)


@pytest.mark.parametrize("url,ok", [
    ("https://example.org/", True),
    ("http://example.org", True),
    ("mailto:a@example.org", True),
    ("/t/1/", True),
    ("#top", True),
    ("page?x=1", True),
    ("//evil.example/", True),
    ("javascript:123", False),
    ("javascript:alert(1)", False),
    (" javascript:alert(1)", False),
    ("java\tscript:alert(1)", False),
    ("java\nscript:alert(1)", False),
    ("\x01javascript:alert(1)", False),
    ("\u2028javascript:alert(1)", False),
    ("\u200bjavascript:alert(1)", False),
    ("data:text/html,<b>", False),
    ("vbscript:x", False),
    ("http:evil", False),
    ("https:/evil", False),
    ("", False),
])
def test_is_safe_url(url, ok):
    assert is_safe_url(url) is ok


def test_external_urls_refused_when_only_site_urls_are_allowed():
    assert not is_safe_url("https://example.org/a.png", allow_external=False)
    assert not is_safe_url("//example.org/a.png", allow_external=False)
    assert not is_safe_url("mailto:a@b.c", allow_external=False)
    assert is_safe_url("/t/attachments/3/", allow_external=False)


def test_sanitise_html_drops_a_javascript_href_that_bleach_would_keep():
    html = richtext.sanitise_html('<a href="javascript:123">x</a><a href="https://ok.example/">y</a>')
    assert html == '<a>x</a><a href="https://ok.example/" rel="nofollow ugc noopener">y</a>'


def test_sanitise_html_never_keeps_style_even_if_given():
    html = richtext.sanitise_html('<p style="background:url(https://evil.example/t.png)">x</p>')
    assert html == '<p dir="auto">x</p>'


# --- Images -------------------------------------------------------------------------------------
def test_site_attachment_images_render_lazy():
    html = render_post("![a map](/t/attachments/12/)")
    assert '<img src="/t/attachments/12/" alt="a map" loading="lazy">' in html


@pytest.mark.parametrize("src", [
    "https://tracker.example/pixel.png",
    "http://127.0.0.1:9/x.png",
    "//tracker.example/pixel.png",
    "/\\tracker.example/pixel.png",
    "/t/attachments/../../accounts/logout/",
    "/media/../secret.png",
    "/accounts/logout/",
    "data:image/png;base64,iVBORw0KGgo=",
    "javascript:alert(1)",
])
def test_images_from_anywhere_else_are_never_loaded(src):
    html = render_post(f"![alt text]({src})")
    assert "<img" not in html
    assert "alt text" in html


def test_external_image_becomes_a_plain_link_to_it():
    html = render_post("![photo](https://example.org/p.png)")
    assert html == '<p dir="auto"><a href="https://example.org/p.png" rel="nofollow ugc noopener">photo</a></p>\n'


# --- Mentions -----------------------------------------------------------------------------------
def test_name_key_matches_accounts_display_name_key():
    for name in ["Ali", "  Jean   Dupont ", "ＡＬＩ", "Straße", "سارة", "İstanbul"]:
        assert richtext.name_key(name) == display_name_key(name)


def test_known_mentions_link_to_the_profile_and_unknown_stay_text():
    html = render_post("Hi @ali, @Ali. and @bob", mentions=MENTIONS)
    assert '<a href="/me/u/1/" class="mention" rel="nofollow ugc noopener">@ali</a>,' in html
    assert '<a href="/me/u/1/" class="mention" rel="nofollow ugc noopener">@Ali</a>.' in html
    assert "@bob" in html and html.count("<a ") == 2


def test_arabic_and_bracketed_mentions():
    html = render_post("@سارة مرحبا و @[Jean  Dupont]!", mentions=MENTIONS)
    assert '<a href="/me/u/2/" class="mention" rel="nofollow ugc noopener">@سارة</a>' in html
    assert '<a href="/me/u/3/" class="mention" rel="nofollow ugc noopener">@Jean  Dupont</a>!' in html


def test_mentions_in_code_links_emails_and_urls_are_left_alone():
    source = "`@ali`\n\n    @ali\n\n[x @ali](/x) a@ali.com https://example.org/@ali"
    html = render_post(source, mentions=MENTIONS)
    assert 'class="mention"' not in html


def test_a_mention_map_with_an_unsafe_url_links_nothing():
    html = render_post("@ali", mentions={"ali": "javascript:alert(1)"})
    assert "<a" not in html


def test_mention_keys_lists_candidates_outside_code():
    keys = mention_keys("hi @Ali. and @[Jean  Dupont] `@code` a@b.example https://x.example/@url @سارة")
    assert {"ali", "jean dupont", "سارة"} <= keys
    assert "code" not in keys and "url" not in keys and "b.example" not in keys


def test_mention_keys_of_text_without_at_sign_is_empty():
    assert mention_keys("nothing here") == set()


# --- Quotes -------------------------------------------------------------------------------------
def test_quote_markdown_round_trips_through_quoted_post_ids():
    source = quote_markdown("Jean Dupont", 123, "first line\nsecond line") + "My answer."
    assert source.startswith("> **@[Jean Dupont]** [wrote](/t/post/123/):\n> first line\n> second line\n\n")
    assert quoted_post_ids(source) == {123}
    html = render_post(source)
    assert '<a href="/t/post/123/" rel="nofollow ugc noopener">wrote</a>' in html


def test_quote_markdown_escapes_markdown_in_the_name():
    source = quote_markdown("*Evil* [name](javascript:x)", 5, "text")
    html = render_post(source)
    assert "<em>" not in html and "javascript" in html and 'href="javascript' not in html
    assert quoted_post_ids(source) == {5}


def test_only_top_level_quotes_count_and_plain_links_do_not():
    inner = quote_markdown("B", 2, "older")
    source = (quote_markdown("A", 1, inner) + "See [this](/t/post/9/).\n\n> [wrote](/t/post/10/) later line\n\n"
              + "> first line\n> [wrote](/t/post/11/)\n")
    assert quoted_post_ids(source) == {1, 10}


def test_quoted_post_ids_of_text_without_quotes_is_empty():
    assert quoted_post_ids("just [a link](/t/post/3/)") == set()


# --- Chat and preview ---------------------------------------------------------------------------
def test_chat_is_inline_only():
    html = render_chat("# not a heading **but bold** @ali\n- not a list", mentions=MENTIONS)
    assert "<h1" not in html and "<li" not in html and "<p" not in html
    assert "<strong>but bold</strong>" in html and 'class="mention"' in html


def test_preview_is_exactly_the_post():
    source = "**x** @ali https://example.org ![i](/t/attachments/1/)"
    assert render_preview(source, mentions=MENTIONS) == render_post(source, mentions=MENTIONS)


def test_empty_and_none_sources_render_to_empty():
    assert render_post("") == ""
    assert render_post(None) == ""
    assert render_chat("") == ""


def test_bare_urls_end_before_arabic_punctuation_and_quotes():
    html = render_post("انظر https://example.org/a، و www.example.com؟ «https://example.org/b»")
    assert '<a href="https://example.org/a" rel="nofollow ugc noopener">https://example.org/a</a>،' in html
    assert '<a href="http://www.example.com" rel="nofollow ugc noopener">www.example.com</a>؟' in html
    assert '«<a href="https://example.org/b" rel="nofollow ugc noopener">https://example.org/b</a>»' in html


def test_bare_international_addresses_are_encoded_in_the_href():
    html = render_post("https://例え.jp/パス")
    assert 'href="https://xn--r8jz45g.jp/%E3%83%91%E3%82%B9"' in html and ">https://例え.jp/パス</a>" in html


def test_attachment_helpers_agree_with_the_image_policy():
    markdown = richtext.attachment_markdown(7, "A [map] of *Homs*")
    assert markdown == r"![A \[map\] of \*Homs\*](/t/attachments/7/)"
    assert richtext.attachment_ids(markdown + " ![x](/t/attachments/9/) `![y](/t/attachments/8/)`") == {7, 9}
    assert '<img src="/t/attachments/7/" alt="A [map] of *Homs*" loading="lazy">' in render_post(markdown)
