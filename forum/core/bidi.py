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

from collections.abc import Mapping

from django.utils.html import conditional_escape, format_html
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
