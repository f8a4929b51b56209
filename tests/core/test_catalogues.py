"""The Arabic and French catalogues are complete: every UI string translated, nothing fuzzy,
and nothing in the code that the catalogues do not know (checked with gettext's xgettext)."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

from tests.conftest import require_service

LOCALE = Path(settings.BASE_DIR) / "locale"
DOMAINS = ["django", "djangojs"]


@pytest.mark.parametrize("language", ["ar", "fr"])
@pytest.mark.parametrize("domain", DOMAINS)
def test_catalogue_has_no_empty_or_fuzzy_entry(language, domain):
    path = LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
    if domain == "djangojs" and not path.exists():
        return  # no JavaScript strings: the JS takes its words from the templates
    catalogue = polib.pofile(str(path))
    assert len(catalogue) > 0
    untranslated = [e.msgid for e in catalogue.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert untranslated == [], f"{len(untranslated)} untranslated in {path.name}: {untranslated[:10]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in {path.name}: {fuzzy[:10]}"


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_placeholders_survive_translation(language):
    """A translation that drops or renames %(name)s or {name} would crash or mislead at run time."""
    import re

    placeholder = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    broken = []
    for entry in catalogue.translated_entries():
        if entry.msgid_plural:
            continue
        if sorted(placeholder.findall(entry.msgid)) != sorted(placeholder.findall(entry.msgstr)):
            broken.append(entry.msgid)
    assert broken == []


def test_every_string_in_the_code_is_in_the_catalogues(tmp_path):
    """Run makemessages into a copy and compare: a new string without a translation fails here."""
    require_service(shutil.which("xgettext") is not None, "gettext (xgettext)")
    root = Path(settings.BASE_DIR)
    work = tmp_path / "tree"
    for name in ("forum", "templates", "static", "config", "manage.py"):
        source = root / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, work / name)
    (work / "locale" / "fr" / "LC_MESSAGES").mkdir(parents=True)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete", "--no-location"],
        cwd=work, check=True, capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.base", "DEBUG": "1"},
    )
    fresh = {e.msgid for e in polib.pofile(str(work / "locale" / "fr" / "LC_MESSAGES" / "django.po"))}
    known = {e.msgid for e in polib.pofile(str(LOCALE / "fr" / "LC_MESSAGES" / "django.po"))}
    missing = sorted(fresh - known)
    assert missing == [], f"{len(missing)} strings missing from the catalogues (run `make messages`): {missing[:10]}"


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_script_placeholders_survive_translation(language):
    """The scripts fill %(name)s from their own values (static/js/i18n.js): a lost one would show raw."""
    import re

    placeholder = re.compile(r"%\(\w+\)s")
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "djangojs.po"))
    broken = [e.msgid for e in catalogue.translated_entries()
              if not e.msgid_plural and sorted(placeholder.findall(e.msgid)) != sorted(placeholder.findall(e.msgstr))]
    assert broken == []


def test_every_script_string_is_in_the_javascript_catalogues(tmp_path):
    """makemessages -d djangojs over static/js: a new string in a script without a translation fails here."""
    require_service(shutil.which("xgettext") is not None, "gettext (xgettext)")
    root = Path(settings.BASE_DIR)
    work = tmp_path / "tree"
    shutil.copytree(root / "static", work / "static")
    shutil.copy(root / "manage.py", work / "manage.py")
    (work / "locale" / "fr" / "LC_MESSAGES").mkdir(parents=True)
    subprocess.run(
        [sys.executable, str(root / "manage.py"), "makemessages", "-d", "djangojs", "-l", "fr", "--no-obsolete",
         "--no-location"],
        cwd=work, check=True, capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.base", "DEBUG": "1",
             "PYTHONPATH": str(root)},
    )
    fresh = {e.msgid for e in polib.pofile(str(work / "locale" / "fr" / "LC_MESSAGES" / "djangojs.po"))}
    known = {e.msgid for e in polib.pofile(str(LOCALE / "fr" / "LC_MESSAGES" / "djangojs.po"))}
    missing = sorted(fresh - known)
    assert missing == [], f"{len(missing)} script strings missing from djangojs.po: {missing[:10]}"


TRANSLATION_CALLS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}


def test_no_translation_call_hides_inside_an_f_string():
    """xgettext does not read inside f-strings: `f"{_('Words')}"` is translated at run time only if
    someone added the words by hand, so "New since your last visit" stayed English. Look words up
    outside the f-string."""
    import ast

    hidden = []
    for path in sorted((Path(settings.BASE_DIR) / "forum").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.JoinedStr):
                continue
            for inner in ast.walk(node):
                if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name)
                        and inner.func.id in TRANSLATION_CALLS):
                    hidden.append(f"{path.relative_to(settings.BASE_DIR)}:{inner.lineno}")
    assert hidden == []
