"""Names and descriptions per language, with the default as fallback.

A model with a text `name` (the default, shown when the reader's language has none) adds
`name_ar`, `name_fr`, `name_en` (blank allowed) with `translated_fields("name", ...)`, and reads
`in_active_language(obj, "name")` (a property on the model, e.g. `Category.display_name`). The
language is Django's active one (the page's), so lists, breadcrumbs and titles follow it.
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


def field_names(field: str) -> tuple[str, ...]:
    """("name_ar", "name_fr", "name_en") for "name"."""
    return tuple(f"{field}_{code}" for code in LANGUAGE_CODES)


def copy_default_to_language(apps, schema_editor, *, app_label: str, model: str, fields: tuple[str, ...]) -> None:
    """Data migration step: each row's default text into the site's default language's field, so the
    language it was written in has it explicitly (the default stays as the fallback)."""
    code = (settings.LANGUAGE_CODE or "").split("-")[0].lower()
    if code not in LANGUAGE_CODES:
        return
    Model = apps.get_model(app_label, model)
    for row in Model.objects.all().only("pk", *fields):
        changes = {f"{field}_{code}": getattr(row, field) for field in fields
                   if getattr(row, field) and not getattr(row, f"{field}_{code}", "")}
        if changes:
            Model.objects.filter(pk=row.pk).update(**changes)


__all__ = ["LANGUAGE_CODES", "copy_default_to_language", "field_names", "in_active_language", "language_code"]
