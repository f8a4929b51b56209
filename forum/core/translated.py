"""Names and descriptions per language, with the default as fallback.

A model with a text `name` (the default, shown when the reader's language has none) adds
`name_ar`, `name_fr`, `name_en` (blank allowed; `field_names("name")`), and reads
`in_active_language(obj, "name")` (a property on the model, e.g. `Category.display_name`). The
language is Django's active one (the page's), so lists, breadcrumbs and titles follow it.
A copy kept for later (a notification, an e-mail made from it) stores `snapshot(obj, "name")` beside
the default and reads it back with `from_snapshot`, in the language of whoever reads it then.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language

LANGUAGE_CODES = ("ar", "fr", "en")


def language_code() -> str:
    """The active language's base code ("fr" for "fr-ch"), else the site's default."""
    return (get_language() or settings.LANGUAGE_CODE or "").split("-")[0].lower()


def in_active_language(obj, field: str) -> str:
    """`obj.<field>_<active language>` when it has text, else `obj.<field>` (the default)."""
    code = language_code()
    if code in LANGUAGE_CODES:
        value = getattr(obj, f"{field}_{code}", "") or ""
        if value.strip():
            return value
    return getattr(obj, field)


def snapshot(obj, field: str) -> dict[str, str]:
    """The per-language texts of `obj.<field>` that are filled, {"ar": …, "fr": …}: what a stored
    copy (a notification's data) keeps so each reader later sees the name in their own language."""
    out = {}
    for code in LANGUAGE_CODES:
        value = getattr(obj, f"{field}_{code}", "") or ""
        if value.strip():
            out[code] = value
    return out


def from_snapshot(per_language, default: str) -> str:
    """The active language's text of a `snapshot`, else `default` (the name stored beside it)."""
    if isinstance(per_language, dict):
        value = per_language.get(language_code())
        if isinstance(value, str) and value.strip():
            return value
    return default


def field_names(field: str) -> tuple[str, ...]:
    """("name_ar", "name_fr", "name_en") for "name"."""
    return tuple(f"{field}_{code}" for code in LANGUAGE_CODES)


__all__ = ["LANGUAGE_CODES", "field_names", "from_snapshot", "in_active_language", "language_code", "snapshot"]
