"""Display names: any script, but no invisible or direction-changing characters, and unique by look."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Bidi embeddings, overrides and isolates, marks, zero-width characters, BOM, word joiner.
FORBIDDEN = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064"
    "\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f\ufeff\u180e\u00ad\u061c"
)


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
    limit = getattr(settings, "FORUM_DISPLAY_NAME_MAX", 60)
    if len(name) > limit:
        raise ValidationError(_("Names can be at most %(limit)d characters long.") % {"limit": limit},
                              code="too_long")
    if not any(unicodedata.category(ch)[0] in ("L", "N") for ch in name):
        raise ValidationError(_("A name needs at least one letter or digit."), code="no_letters")
    return name, display_name_key(name)
