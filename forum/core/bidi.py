"""Keep user text that sits inside a translated sentence from scrambling it.

An Arabic name in a French sentence (or a Latin title in an Arabic one) is a run of the other
direction; without isolation the bidi algorithm lets it pull the neighbouring punctuation and words
along ("”posted in “Article 1 … ريم العلي"). Each interpolated piece is isolated:
- in HTML, in its own `<bdi>` element (`bdi()`, or the `bdi` template filter);
- in plain text (email bodies and subjects, `<title>`, flash messages), between the Unicode
  isolates FIRST STRONG ISOLATE U+2068 and POP DIRECTIONAL ISOLATE U+2069 (`isolate()`).
Names and titles are refused with bidi controls of their own (accounts.names), so a piece cannot
close our isolate early; stray ones are dropped here all the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

FSI = "\u2068"
PDI = "\u2069"
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def isolate(text) -> str:
    """`text` between U+2068 and U+2069, for plain text (no markup)."""
    return f"{FSI}{str(text).translate(_BIDI_CONTROLS)}{PDI}"


def bdi(text) -> SafeString:
    """`text` escaped, in a `<bdi>` element, for HTML."""
    return format_html("<bdi>{}</bdi>", str(text).translate(_BIDI_CONTROLS))


def sentence(template: str, values: Mapping[str, object], *, html: bool = False) -> str:
    """`template % values` with every value isolated: HTML (escaped, `<bdi>`) or plain text."""
    if html:
        return mark_safe(conditional_escape(template) % {k: bdi(v) for k, v in values.items()})  # noqa: S308
    return template % {k: isolate(v) for k, v in values.items()}


_BLANK_LINES = re.compile(r"\n\s*\n")


def paragraphs(text) -> SafeString:
    """Plain text (a session's description) as HTML in which every line finds its own direction.

    Paragraphs (split at blank lines) are `<p dir="auto">`; a paragraph of several lines holds each
    line in a `<span class="text-line" dir="auto">` (a block in CSS), so that an Arabic line after a
    French one is right to left and aligned to the right, as each paragraph of a post is
    (forum.core.richtext). Escaped; bidi controls dropped."""
    text = str(text or "").replace("\r\n", "\n").translate(_BIDI_CONTROLS).strip()
    out = []
    for block in _BLANK_LINES.split(text):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if len(lines) == 1:
            out.append(format_html('<p dir="auto">{}</p>', lines[0]))
        elif lines:
            out.append(format_html("<p>{}</p>", format_html_join(
                "", '<span class="text-line" dir="auto">{}</span>', ((line,) for line in lines))))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped by format_html
