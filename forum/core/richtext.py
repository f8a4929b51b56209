"""The one place user text becomes HTML.

Markdown (CommonMark, raw HTML disabled) → HTML → bleach with an explicit allowlist → links
linkified and marked `rel="nofollow ugc noopener"`. Rendered once, when written, and stored beside
the source; pages print the stored HTML and never sanitise on read.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import bleach
from bleach.linkifier import Linker
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "strong", "em", "b", "i", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "a", "table", "thead", "tbody", "tr", "th", "td",
    "span", "aside", "cite", "img",
})
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel", "class", "data-user"],
    "aside": ["class", "data-post"],
    "blockquote": ["dir"],
    "p": ["dir"],
    "li": ["dir"],
    "span": ["class"],
    "code": ["class"],
    "th": ["align"],
    "td": ["align"],
    "img": ["src", "alt", "width", "height", "loading"],
    "ol": ["start"],
}
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def is_safe_url(url: str, *, allow_external: bool = True) -> bool:
    """True for http(s), mailto and site-relative URLs; false for every other scheme or a malformed URL."""
    url = (url or "").strip()
    if not url:
        return False
    # Control characters and whitespace inside a scheme are how `java\tscript:` gets through.
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme:
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            return False
        return allow_external or not parts.netloc
    if url.startswith("//") or url.startswith("\\") or url.startswith("/\\"):
        return allow_external  # protocol-relative: an outside host
    return True


def _attribute_filter(tag: str, name: str, value: str) -> bool:
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    if tag == "a" and name == "href":
        return is_safe_url(value)
    if tag == "img" and name == "src":
        # Images only from this site: an outside image would tell its host who reads the post.
        return is_safe_url(value, allow_external=False) and value.startswith("/")
    return True


def _set_link_rel(attrs, new=False):
    href_key = (None, "href")
    href = attrs.get(href_key)
    if href is None or not is_safe_url(href):
        attrs.pop(href_key, None)
        return attrs
    attrs[(None, "rel")] = LINK_REL
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_attribute_filter,
    protocols=ALLOWED_SCHEMES,
    strip=True,
    strip_comments=True,
)
_linker = Linker(callbacks=[_set_link_rel], skip_tags={"pre", "code"}, parse_email=False)


def sanitise_html(html: str) -> str:
    """Clean arbitrary HTML to the allowlist and mark every link."""
    return _linker.linkify(_cleaner.clean(html))


def render_markdown(source: str) -> str:
    """Markdown source to safe HTML (no raw HTML passes: it is escaped by the parser, then cleaned)."""
    return sanitise_html(_markdown.render(source or ""))


def render_post(source: str) -> str:
    """A forum post body."""
    return render_markdown(source)


def render_chat(source: str) -> str:
    """A short chat line: inline formatting and links only."""
    html = _markdown.renderInline(source or "")
    return sanitise_html(html)
