"""Display names: any script, but no invisible or direction-changing characters, and unique by look.

`has_hidden_characters` is the one rule for every text a member names or titles something with
(display names, thread titles, category and organisation names): a bidi override (U+202E) or a
zero-width character would make the text read differently from what it is.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from forum.core import conf

# Bidi embeddings, overrides and isolates, marks, zero-width characters, BOM, word joiner.
FORBIDDEN = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064"
    "\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f\ufeff\u180e\u00ad\u061c"
)


def has_hidden_characters(text: str) -> bool:
    """True when `text` holds an invisible or text-direction character (`FORBIDDEN`) or a control,
    surrogate, private-use or unassigned code point."""
    return any(ch in FORBIDDEN or unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") for ch in text or "")


def validate_title_text(text: str) -> None:
    """The rule of `has_hidden_characters` for titles and names of things; raises ValidationError."""
    if any(ch in FORBIDDEN for ch in text or ""):
        raise ValidationError(_("Titles and names cannot contain invisible or text-direction characters."),
                              code="invisible")
    if has_hidden_characters(text):
        raise ValidationError(_("Titles and names cannot contain control characters or line breaks."),
                              code="control")


def validate_title_fields(instance, fields) -> None:
    """`validate_title_text` on each named field of a model instance (its `clean()`); one
    ValidationError naming every field that breaks the rule."""
    errors = {}
    for field in fields:
        try:
            validate_title_text(getattr(instance, field))
        except ValidationError as exc:
            errors[field] = exc.error_list
    if errors:
        raise ValidationError(errors)


def display_name_key(name: str) -> str:
    """The form two names are compared in: NFKC, case-folded, inner spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def clean_display_name(name: str) -> tuple[str, str]:
    """Validate a display name; return (name as stored, its uniqueness key). Raises ValidationError."""
    if name is None:
        name = ""
    if any(ch in FORBIDDEN for ch in name):
        raise ValidationError(_("Names cannot contain invisible or text-direction characters."), code="invisible")
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") for ch in name):
        raise ValidationError(_("Names cannot contain control characters."), code="control")
    name = " ".join(unicodedata.normalize("NFKC", name).split())
    if not name:
        raise ValidationError(_("Please enter a name."), code="required")
    limit = conf.FORUM_DISPLAY_NAME_MAX
    if len(name) > limit:
        raise ValidationError(_("Names can be at most %(limit)d characters long.") % {"limit": limit},
                              code="too_long")
    if not any(unicodedata.category(ch)[0] in ("L", "N") for ch in name):
        raise ValidationError(_("A name needs at least one letter or digit."), code="no_letters")
    return name, display_name_key(name)
