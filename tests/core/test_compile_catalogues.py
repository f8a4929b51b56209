"""manage.py compile_catalogues: .po → .mo with polib (no gettext on the machine), by content."""

from __future__ import annotations

import gettext
import io
import os

import polib
import pytest
from django.core.management import CommandError, call_command


def _po(path, translations: dict[str, str], fuzzy: tuple[str, ...] = ()):
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "ar"}
    for msgid, msgstr in translations.items():
        catalogue.append(polib.POEntry(msgid=msgid, msgstr=msgstr, flags=["fuzzy"] if msgid in fuzzy else []))
    path.parent.mkdir(parents=True, exist_ok=True)
    catalogue.save(str(path))


def _compile() -> str:
    out = io.StringIO()
    call_command("compile_catalogues", stdout=out)
    return out.getvalue()


@pytest.fixture
def locale(tmp_path, settings):
    settings.LOCALE_PATHS = [tmp_path]
    return tmp_path


def test_compiles_what_gettext_reads_and_leaves_fuzzy_entries_out(locale):
    po = locale / "ar" / "LC_MESSAGES" / "django.po"
    _po(po, {"Welcome": "أهلاً", "Draft": "مسودة"}, fuzzy=("Draft",))
    assert _compile() == "1 catalogue(s) compiled.\n"
    with open(po.with_suffix(".mo"), "rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    assert catalogue.gettext("Welcome") == "أهلاً"
    assert catalogue.gettext("Draft") == "Draft"  # a fuzzy guess is never shown


def test_an_unchanged_catalogue_is_not_rewritten(locale):
    _po(locale / "fr" / "LC_MESSAGES" / "django.po", {"Welcome": "Bienvenue"})
    _compile()
    assert _compile() == "0 catalogue(s) compiled.\n"


def test_a_stale_mo_is_recompiled_even_when_it_looks_newer(locale):
    """A fresh clone gives both files the checkout time: the content decides, not the date."""
    po = locale / "fr" / "LC_MESSAGES" / "django.po"
    _po(po, {"Welcome": "Bienvenue"})
    _compile()
    _po(po, {"Welcome": "Bienvenue à vous"})
    mo = po.with_suffix(".mo")
    os.utime(po, (1_000_000, 1_000_000))
    os.utime(mo, (2_000_000, 2_000_000))
    assert _compile() == "1 catalogue(s) compiled.\n"
    with open(mo, "rb") as handle:
        assert gettext.GNUTranslations(handle).gettext("Welcome") == "Bienvenue à vous"


def test_a_broken_catalogue_stops_with_its_path(locale):
    po = locale / "ar" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid "Welcome"\nmsgstr "Bienvenue"\nthis line is not gettext\n', encoding="utf-8")
    with pytest.raises(CommandError, match="django.po"):
        _compile()
