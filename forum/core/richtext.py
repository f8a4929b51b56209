"""The one place user text becomes HTML.

Markdown (CommonMark, raw HTML disabled) → HTML → bleach with an explicit allowlist → bare URLs
linkified, every link marked `rel="nofollow ugc noopener"`, user blocks given their direction: a
paragraph, item, heading or cell `dir="auto"`; a list, quote or item that holds other blocks the
explicit direction of its first strong letter (`dir="auto"` skips children that carry their own
`dir`, so a quote of Arabic paragraphs would compute as left to right and put its bar on the left).
Rendered once, when written, and stored beside the source; pages print the stored HTML and never
sanitise on read. When this policy changes, `manage.py rerender_posts` brings stored posts up to it.

Defence in depth, because each layer has had holes: markdown-it refuses `javascript:` links, bleach
drops what is not allowlisted, and our own URL check (`is_safe_url`) refuses every scheme but
http, https and mailto (bleach alone keeps `href="javascript:123"`, which it reads as host:port).
No `style` attribute survives at all (bleach's CSS sanitiser lets `url()` through), and images
only load from this site: an outside image would tell its host who reads the post, and when.

Mentions: `@name` (letters, digits, `_-.`) or `@[name with spaces]`; the caller resolves the
candidate keys from `mention_keys()` against its users and passes `mentions={key: profile_url}`.
Quotes: a blockquote whose first line links to `/t/post/<id>/` (see `quote_markdown`).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import bleach
from bleach.html5lib_shim import Filter
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

# --- Policy -------------------------------------------------------------------------------------
ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "strong", "em", "b", "i", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th",
    "td", "img",
})
ALLOWED_ATTRIBUTES = {
    "a": ("href", "title", "rel", "class"),
    "img": ("src", "alt", "title", "width", "height", "loading"),
    "code": ("class",),
    "ol": ("start", "dir"),
    # `dir` is set by our own filter after cleaning; accepted here so a second pass keeps it.
    **dict.fromkeys(("p", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "th", "td"), ("dir",)),
    "ul": ("dir",),
}
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
DIR_AUTO_TAGS = frozenset({"p", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "th", "td"})
# Blocks that hold other blocks: they get the explicit direction of their first strong letter.
DIR_CONTAINER_TAGS = frozenset({"ul", "ol", "blockquote", "li"})
DIR_VALUES = frozenset({"auto", "ltr", "rtl"})
# Site paths an image may load from: uploaded attachments (permission-checked) and media.
IMAGE_PATH_RE = re.compile(r"^/(?:t/attachments/\d+/|media/[A-Za-z0-9_\-/]+\.(?:png|jpe?g|webp))$")
QUOTE_HREF_RE = re.compile(r"^/t/post/(\d{1,18})/$")

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_DIGITS_RE = re.compile(r"^\d{1,6}$")
_CODE_CLASS_RE = re.compile(r"^language-[A-Za-z0-9_+\-]{1,32}$")


def name_key(name: str) -> str:
    """The key a display name is compared in: NFKC, case-folded, inner spaces collapsed.

    The same one line as `forum.accounts.names.display_name_key` (core may not import accounts);
    a test asserts the two agree.
    """
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def is_safe_url(url: str, *, allow_external: bool = True) -> bool:
    """True for http(s), mailto and site-relative URLs; false for any other scheme, or when in doubt."""
    url = (url or "").strip()
    if not url:
        return False
    # Browsers drop tabs and newlines anywhere in a URL (`java\tscript:`) and ignore leading
    # controls; refuse every control, format (zero-width, bidi) and space character outright.
    for ch in url:
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Zs"):
            return False
    scheme = _SCHEME_RE.match(url)
    if scheme:
        name = scheme.group(1).lower()
        if name not in ALLOWED_SCHEMES:
            return False
        if name == "mailto":
            return allow_external
        rest = url[scheme.end():]
        return allow_external and rest.startswith("//") and len(rest) > 2
    if url.startswith(("//", "\\", "/\\")):
        return allow_external  # protocol-relative: another host
    return True


def is_site_image(url: str) -> bool:
    """True only for this site's attachment and media image paths (no host, no `..`)."""
    url = url or ""
    return bool(IMAGE_PATH_RE.match(url)) and "//" not in url and "/." not in url


def _attribute_filter(tag: str, name: str, value: str) -> bool:
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    if tag == "a" and name == "href":
        return is_safe_url(value)
    if tag == "a" and name == "class":
        return value == "mention"
    if tag == "img" and name == "src":
        return is_site_image(value)
    if tag == "img" and name == "loading":
        return value == "lazy"
    if name in ("width", "height", "start"):
        return bool(_DIGITS_RE.match(value))
    if tag == "code" and name == "class":
        return bool(_CODE_CLASS_RE.match(value))
    if name == "dir":
        return value in DIR_VALUES
    return True


def first_strong_direction(text: str) -> str | None:
    """"rtl" or "ltr" from the first strong letter of `text` (Unicode bidi classes R/AL or L), else None.

    The rule browsers apply for `dir="auto"`, so that what we set explicitly matches what they compute.
    """
    for ch in text:
        if ch.isascii():
            if ch.isalpha():
                return "ltr"
            continue
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None


_TAG_RE = re.compile(r"<[^>]*>")


def html_direction(html: str) -> str | None:
    """The direction of a sanitised fragment as a whole (its first strong letter), for the element
    that holds it: a post body, a preview. None when it has no letter at all (then it inherits)."""
    return first_strong_direction(_TAG_RE.sub(" ", html or ""))


class _DirAutoFilter(Filter):
    """Give user blocks their direction, so mixed Arabic/Latin reads right.

    Paragraphs, headings, cells and items of plain text: `dir="auto"` (the browser decides from
    their own text). Lists, quotes and items that hold blocks: `dir="rtl"`/`"ltr"` from their first
    strong letter, because `dir="auto"` ignores text inside children that have a `dir` of their own
    and would fall back to left to right. The whole fragment is buffered (a post is bounded) since a
    container's direction is known only after its content.
    """

    def __iter__(self):
        tokens = list(super().__iter__())
        # One frame per open element: [token index, tag name, first strong direction, holds a block].
        stack: list[list] = []
        for index, token in enumerate(tokens):
            kind = token["type"]
            if kind == "StartTag":
                stack.append([index, token["name"], None, False])
            elif kind == "Characters" and stack and stack[-1][2] is None:
                stack[-1][2] = first_strong_direction(token["data"])
            elif kind == "EndTag":
                while stack and stack[-1][1] != token["name"]:
                    self._close(tokens, stack)
                if stack:
                    self._close(tokens, stack)
        while stack:
            self._close(tokens, stack)
        yield from tokens

    @staticmethod
    def _close(tokens, stack) -> None:
        index, name, direction, holds_block = stack.pop()
        token = tokens[index]
        data = {k: v for k, v in token["data"].items() if k != (None, "dir")}
        if name in DIR_CONTAINER_TAGS and (holds_block or name in ("ul", "ol")):
            if direction:
                data[(None, "dir")] = direction
        elif name in DIR_AUTO_TAGS:
            data[(None, "dir")] = "auto"
        token["data"] = data
        if stack:
            parent = stack[-1]
            parent[3] = parent[3] or name in DIR_AUTO_TAGS or name in DIR_CONTAINER_TAGS
            if parent[2] is None:
                parent[2] = direction


class _LinkRelFilter(Filter):
    """Every link that kept its href gets `rel="nofollow ugc noopener"`; a link without one, none."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] == "StartTag" and token["name"] == "a":
                data = {k: v for k, v in token["data"].items() if k != (None, "rel")}
                if data.get((None, "href")):
                    data[(None, "rel")] = LINK_REL
                token["data"] = data
            yield token


def _build_cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_attribute_filter,
        protocols=ALLOWED_SCHEMES,
        strip=True,
        strip_comments=True,
        filters=[_DirAutoFilter, _LinkRelFilter],
    )


# One parser and one cleaner per thread, never shared: a bleach `Cleaner` keeps the document it is
# cleaning in its parser and serializer, so two threads cleaning at once swap text (the review found
# restricted posts' text stored in public posts, 87 of 320 outputs wrong with 8 threads; pinned by
# tests/core/test_richtext_concurrency.py). markdown-it compiles its rule chains lazily on first use,
# so it gets the same treatment rather than relying on that being benign. Building both costs about
# a millisecond, once per daphne worker thread.
_per_thread = threading.local()


def _cleaner() -> bleach.Cleaner:
    cleaner = getattr(_per_thread, "cleaner", None)
    if cleaner is None:
        cleaner = _per_thread.cleaner = _build_cleaner()
    return cleaner


def _md() -> MarkdownIt:
    md = getattr(_per_thread, "markdown", None)
    if md is None:
        md = _per_thread.markdown = _build_markdown()
    return md


def sanitise_html(html: str) -> str:
    """Clean arbitrary HTML to the allowlist and mark every link (bare URLs are linked earlier,
    in the Markdown stage: bleach's linkifier re-escapes code blocks and unescapes `&amp;amp;`)."""
    return _cleaner().clean(html or "")


# --- Mentions -----------------------------------------------------------------------------------
# A bare mention: letters, digits (any script), combining marks (Arabic tashkeel), `_`, `-`, `.`.
_NAME_CHARS = r"[\w\-.\u0300-\u036F\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06DC\u06DF-\u06E8\u06EA-\u06ED]"
MENTION_RE = re.compile(
    r"(?<![\w@/.\-])@(?:\[(?P<long>[^\[\]\n]{1,80})\]|(?P<short>" + _NAME_CHARS + r"{1,60}))"
)


def _mention_candidates(match: re.Match) -> list[tuple[str, int]]:
    """(key, end offset) pairs to try for one match, longest first (a trailing '.' ends a sentence)."""
    if match.group("long") is not None:
        key = name_key(match.group("long"))
        return [(key, match.end())] if key else []
    name = match.group("short")
    out = []
    while name:
        out.append((name_key(name), match.start() + 1 + len(name)))
        stripped = name.rstrip(".-_")
        if stripped == name:
            break
        name = stripped
    return out


def _strip_url_punctuation(url: str) -> str:
    """Drop what the URL pattern over-matches: trailing punctuation and an unbalanced ')'."""
    while url:
        if url[-1] in ".,;:!?'\"\u060c\u061b\u061f\u06d4\u00bb\u201d\u2019\u3002\uff0c":
            url = url[:-1]
        elif url.endswith(")") and url.count("(") < url.count(")"):
            url = url[:-1]
        else:
            break
    return url


# A bare web address: http(s):// or www., up to whitespace or a character that ends it in prose.
BARE_URL_RE = re.compile(r"(?<![\w@/.\-])(?:https?://|www\.)[^\s<>\"'`\u00a0\u2000-\u200f\u2028-\u202f]+", re.IGNORECASE)


def _bare_urls(text: str) -> list[tuple[int, int, str]]:
    """(start, end, href) of bare web addresses: with http(s):// or starting `www.`."""
    out = []
    lowered = text.lower()
    if "http" not in lowered and "www." not in lowered:
        return out
    for match in BARE_URL_RE.finditer(text):
        raw = _strip_url_punctuation(match.group(0))
        href = raw if raw.lower().startswith(("http://", "https://")) else "http://" + raw
        href = _md().normalizeLink(href)
        host = href.split("//", 1)[1] if "//" in href else ""
        if "." in host.split("/", 1)[0] and is_safe_url(href) and _md().validateLink(href):
            out.append((match.start(), match.start() + len(raw), href))
    return out


def _iter_mentions(text: str, url_spans=None):
    """Yield (match, candidates) for each mention-looking token outside a bare URL."""
    spans = [(a, b) for a, b, _h in _bare_urls(text)] if url_spans is None else url_spans
    for match in MENTION_RE.finditer(text):
        if any(start <= match.start() < end for start, end in spans):
            continue
        candidates = _mention_candidates(match)
        if candidates:
            yield match, candidates


def _plain_text_tokens(tokens: list[Token]):
    """Inline `text` tokens outside links (code spans and code blocks are other token types)."""
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        depth = 0
        for index, child in enumerate(block.children):
            if child.type == "link_open":
                depth += 1
            elif child.type == "link_close":
                depth -= 1
            elif child.type == "text" and depth == 0:
                yield block, index, child


def _links_in_text(text: str, mentions: Mapping[str, str]) -> list[tuple[int, int, str, str, str]]:
    """(start, end, href, label, css class) for bare URLs and known mentions in one text run."""
    urls = _bare_urls(text)
    found = [(a, b, href, text[a:b], "") for a, b, href in urls]
    if mentions and "@" in text:
        for match, candidates in _iter_mentions(text, [(a, b) for a, b, _h in urls]):
            for key, end in candidates:
                url = mentions.get(key)
                if url and is_safe_url(url):
                    label = "@" + (match.group("long") if match.group("long") is not None
                                   else text[match.start() + 1:end])
                    found.append((match.start(), end, url, label, "mention"))
                    break
    return sorted(found)


def _keys_in_tokens(tokens: list[Token]) -> set[str]:
    """Candidate mention keys in plain text (outside code and links) of a parsed token stream."""
    keys: set[str] = set()
    for _block, _index, child in _plain_text_tokens(tokens):
        if "@" in child.content:
            for _match, candidates in _iter_mentions(child.content):
                keys.update(key for key, _end in candidates)
    return keys


def _links_rule(state) -> None:
    """markdown-it core rule: link bare web addresses and known mentions in plain text.

    With `env["resolve_mentions"]` (see `render_post_parsed`), the mention keys are read from this
    same token stream first and handed to it; what it answers ({key: profile URL}) is linked. So one
    parse gives both the keys and the linked HTML."""
    resolve = state.env.get("resolve_mentions")
    if resolve is not None:
        keys = _keys_in_tokens(state.tokens)
        state.env["mention_keys"] = keys
        state.env["mentions"] = dict(resolve(keys)) if keys else {}
    mentions = state.env.get("mentions") or {}
    # Walk in reverse so replacing a child does not shift the indexes still to visit.
    for block, index, child in reversed(list(_plain_text_tokens(state.tokens))):
        text = child.content
        if "." not in text and "@" not in text:
            continue
        found = _links_in_text(text, mentions)
        if not found:
            continue
        pieces: list[Token] = []
        cursor = 0
        for start, end, href, label, css in found:
            if start < cursor:
                continue
            if start > cursor:
                pieces.append(_text_token(text[cursor:start], child))
            link = Token("link_open", "a", 1)
            link.attrs = {"href": href, "class": css} if css else {"href": href}
            pieces.extend([link, _text_token(label, child), Token("link_close", "a", -1)])
            cursor = end
        if cursor < len(text):
            pieces.append(_text_token(text[cursor:], child))
        block.children[index:index + 1] = pieces


def _text_token(content: str, like: Token) -> Token:
    token = Token("text", "", 0)
    token.content = content
    token.level = like.level
    return token


# --- Markdown -----------------------------------------------------------------------------------
def _render_image(self, tokens, idx, options, env):
    """Site images render as <img>; any other image becomes a plain link to it (never loaded)."""
    token = tokens[idx]
    src = token.attrGet("src") or ""
    alt = self.renderInlineAsText(token.children or [], options, env)
    if is_site_image(src):
        return f'<img src="{escapeHtml(src)}" alt="{escapeHtml(alt)}" loading="lazy">'
    label = escapeHtml(alt or src)
    if is_safe_url(src):
        return f'<a href="{escapeHtml(src)}">{label}</a>'
    return label


def _build_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.core.ruler.push("links", _links_rule)
    md.add_render_rule("image", _render_image)
    return md


def render_markdown(source: str, *, mentions: Mapping[str, str] | None = None) -> str:
    """Markdown source to safe HTML (raw HTML is escaped by the parser, then everything is cleaned)."""
    env = {"mentions": dict(mentions or {})}
    return sanitise_html(_md().render(source or "", env))


def render_post(source: str, *, mentions: Mapping[str, str] | None = None) -> str:
    """A forum post body: block Markdown, mentions in `mentions` ({key: profile URL}) linked."""
    return render_markdown(source, mentions=mentions)


@dataclass(frozen=True)
class Rendered:
    """A post rendered from ONE parse: its safe HTML and what the writing services need from the same
    token stream (who is mentioned, which posts are quoted, which uploaded images it shows)."""

    html: str
    mention_keys: frozenset[str]
    quoted_post_ids: frozenset[int]
    attachment_ids: frozenset[int]


def render_post_parsed(source: str, *,
                       resolve_mentions: Callable[[set[str]], Mapping[str, str]] | None = None) -> Rendered:
    """`render_post` and `mention_keys`, `quoted_post_ids`, `attachment_ids` from a single Markdown
    parse. `resolve_mentions(keys)` is called (once, only when the text has candidate keys) with the
    mention keys found, and answers {key: profile URL} for those to link; the same sanitising as
    `render_post` follows (bleach, our filters)."""
    md = _md()
    env: dict = {"mentions": {}, "resolve_mentions": resolve_mentions or (lambda keys: {})}
    tokens = md.parse(source or "", env)
    html = sanitise_html(md.renderer.render(tokens, md.options, env))
    return Rendered(html=html, mention_keys=frozenset(env.get("mention_keys") or ()),
                    quoted_post_ids=frozenset(_quoted_ids_in(tokens)),
                    attachment_ids=frozenset(_attachment_ids_in(tokens)))


def render_preview(source: str, *, mentions: Mapping[str, str] | None = None) -> str:
    """What the editor's preview shows: exactly what the post will be."""
    return render_post(source, mentions=mentions)


def render_chat(source: str, *, mentions: Mapping[str, str] | None = None) -> str:
    """A short chat line: inline formatting, links and mentions only (no headings, lists, quotes)."""
    env = {"mentions": dict(mentions or {})}
    return sanitise_html(_md().renderInline(source or "", env))


def mention_keys(source: str) -> set[str]:
    """Candidate mention keys in `source` (outside code and links), for the caller to resolve."""
    if "@" not in (source or ""):
        return set()
    return _keys_in_tokens(_md().parse(source, {"mentions": {}}))


# --- Quotes -------------------------------------------------------------------------------------
def quoted_post_ids(source: str) -> set[int]:
    """Ids of posts quoted in `source`: top-level blockquotes whose first line links to /t/post/<id>/."""
    if ">" not in (source or ""):
        return set()
    return _quoted_ids_in(_md().parse(source, {"mentions": {}}))


def _quoted_ids_in(tokens: list[Token]) -> set[int]:
    ids: set[int] = set()
    depth = 0
    awaiting_first_line = False
    for token in tokens:
        if token.type == "blockquote_open":
            depth += 1
            awaiting_first_line = depth == 1
        elif token.type == "blockquote_close":
            depth -= 1
        elif token.type == "inline" and awaiting_first_line:
            awaiting_first_line = False
            first_line = []
            for child in token.children or []:
                if child.type in ("softbreak", "hardbreak"):
                    break
                first_line.append(child)
            for child in first_line:
                if child.type == "link_open":
                    match = QUOTE_HREF_RE.match(child.attrGet("href") or "")
                    if match:
                        ids.add(int(match.group(1)))
                        break
    return ids


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def quote_markdown(author_name: str, post_id: int, text: str) -> str:
    """The Markdown a reply starts with to quote `text` from post `post_id` by `author_name`."""
    name = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join((author_name or "").split()))
    lines = [f"> **@[{name}]** [wrote](/t/post/{int(post_id)}/):"]
    for line in (text or "").strip().splitlines():
        lines.append(f"> {line}".rstrip())
    return "\n".join(lines) + "\n\n"


# --- Attachments and mention resolution ---------------------------------------------------------
ATTACHMENT_PATH = "/t/attachments/{id}/"
_ATTACHMENT_SRC_RE = re.compile(r"^/t/attachments/(\d{1,18})/$")


def attachment_path(attachment_id: int) -> str:
    """The site path an uploaded image is served from (and the only image path besides media)."""
    return ATTACHMENT_PATH.format(id=int(attachment_id))


def attachment_markdown(attachment_id: int, alt: str = "") -> str:
    """The Markdown that shows an uploaded image: `![alt](/t/attachments/<id>/)`."""
    alt = " ".join((alt or "").split())
    alt = _MARKDOWN_SPECIAL.sub(r"\\\1", alt)[:200]
    return f"![{alt}]({attachment_path(attachment_id)})"


def attachment_ids(source: str) -> set[int]:
    """Ids of uploaded images that `source` shows (`![..](/t/attachments/<id>/)`)."""
    if "/t/attachments/" not in (source or ""):
        return set()
    return _attachment_ids_in(_md().parse(source, {"mentions": {}}))


def _attachment_ids_in(tokens: list[Token]) -> set[int]:
    ids: set[int] = set()
    for block in tokens:
        for child in block.children or []:
            if child.type == "image":
                match = _ATTACHMENT_SRC_RE.match(child.attrGet("src") or "")
                if match:
                    ids.add(int(match.group(1)))
    return ids


def mention_map(source: str, users) -> dict[str, str]:
    """{mention key: profile URL} for mentions in `source` naming one of `users`.

    `users` is a queryset of the user model (the caller decides who can be mentioned, e.g. active,
    not deleted); core never imports the accounts app. One query, and none when nothing is mentioned.
    """
    keys = mention_keys(source)
    if not keys:
        return {}
    found = {}
    for user in users.filter(display_name_key__in=keys):
        url = user.get_absolute_url()
        if user.display_name_key and url:
            found[user.display_name_key] = url
    return found
