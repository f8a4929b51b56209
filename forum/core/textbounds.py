"""Bounds on how much work a Markdown text may ask of the renderer, checked before it is rendered.

The renderer (`richtext`: markdown-it, then bleach's html5lib sanitiser) costs time in proportion to
the HTML it produces, and a few characters of Markdown can ask for a lot of it: a table delimiter
line per row, one-character emphasis or links, thousands of `[` or `<`, containers nested dozens
deep. Measured with `bench/pathological_markdown.py`: within the 20,000-character limit such texts
took up to about 4 s each to render, one-tenth of that for ordinary prose of the same length. So
the text that any writer (a post, a preview) hands to the renderer must also stay within:

- `FORUM_MARKDOWN_MAX_NESTING` (16): quote and list markers opening one line (`> > - >`);
- `FORUM_MARKDOWN_MAX_LINES` (1000): lines;
- `FORUM_MARKDOWN_MAX_TABLE_ROWS` (200): lines with a `|` (each table cell costs as much HTML as a
  paragraph: a table of 1000 one-letter rows took 0.4 s where 1000 list items took 0.2 s);
- `FORUM_MARKDOWN_MAX_MARKUP` (3000): Markdown punctuation (`* _ [ ] ( ) < > | ` ! & \\`); the
  parentheses because a web address followed by thousands of `)` costs the linker quadratic time.

Each refusal says which bound was passed, in the writer's language. One pass, no regex backtracking.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from forum.core import conf

MARKUP_CHARACTERS = frozenset("*_[]()<>|`!&\\")
_LIST_BULLETS = frozenset("-+*")


def nesting_depth(line: str) -> int:
    """How many block containers (quote `>`, bullet `- + *`, numbered `1.` `1)`) open this line."""
    depth, i, n = 0, 0, len(line)
    while i < n:
        while i < n and line[i] in " \t":
            i += 1
        if i < n and line[i] == ">":
            depth, i = depth + 1, i + 1
            continue
        if i + 1 < n and line[i] in _LIST_BULLETS and line[i + 1] in " \t":
            depth, i = depth + 1, i + 2
            continue
        j = i
        while j < n and j - i < 9 and line[j].isdigit():
            j += 1
        if i < j < n - 1 and line[j] in ".)" and line[j + 1] in " \t":
            depth, i = depth + 1, j + 2
            continue
        break
    return depth


def check_markdown_bounds(text: str) -> None:
    """Raise ValidationError (code "too_complex") when `text` passes one of the bounds above."""
    text = text or ""
    max_lines = int(conf.FORUM_MARKDOWN_MAX_LINES)
    lines = text.split("\n")
    if len(lines) > max_lines:
        raise ValidationError(
            _("The text has %(count)d lines; at most %(limit)d are accepted.") % {"count": len(lines),
                                                                                   "limit": max_lines},
            code="too_complex")
    max_rows = int(conf.FORUM_MARKDOWN_MAX_TABLE_ROWS)
    rows = sum(1 for line in lines if "|" in line)
    if rows > max_rows:
        raise ValidationError(
            _("The text has %(count)d table rows (lines with |); at most %(limit)d are accepted.")
            % {"count": rows, "limit": max_rows}, code="too_complex")
    max_nesting = int(conf.FORUM_MARKDOWN_MAX_NESTING)
    if any(nesting_depth(line) > max_nesting for line in lines):
        raise ValidationError(
            _("Quotes and lists are nested too deeply: at most %(limit)d levels are accepted.")
            % {"limit": max_nesting}, code="too_complex")
    max_markup = int(conf.FORUM_MARKDOWN_MAX_MARKUP)
    markup = sum(1 for ch in text if ch in MARKUP_CHARACTERS)
    if markup > max_markup:
        raise ValidationError(
            _("The text has %(count)d formatting characters (such as * _ [ ] < > |); at most %(limit)d "
              "are accepted.") % {"count": markup, "limit": max_markup},
            code="too_complex")
