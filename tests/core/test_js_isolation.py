"""Names and reasons (user text) that the scripts put inside translated sentences are isolated
(`isolate()` of static/js/i18n.js, U+2068…U+2069), as the server's sentences are (forum.core.bidi):
an Arabic name in "%(name)s is typing…" in French otherwise pulls the words round it (issue #10)."""

import re
from pathlib import Path

from django.conf import settings

SCRIPTS = Path(settings.BASE_DIR) / "static" / "js"
USER_TEXT = ("name", "first", "second", "reason", "text")
CALL = re.compile(r'interpolate\((?:n?gettext)\("((?:[^"\\]|\\.)*)"')


def _calls():
    for script in sorted(SCRIPTS.glob("*.js")):
        source = script.read_text()
        for match in CALL.finditer(source):
            keys = [k for k in USER_TEXT if f"%({k})s" in match.group(1)]
            if keys:
                yield script.name, match.group(1), keys, source[match.end(): match.end() + 400]


ANNOUNCED = {"%(name)s: %(text)s", "New question from %(name)s: %(text)s"}


def test_the_scripts_have_sentences_with_user_text():
    assert len(list(_calls())) >= 6


def test_every_name_or_reason_in_a_scripted_sentence_is_isolated():
    bare = []
    for script, sentence, keys, rest in _calls():
        if "Not sent: %(reason)s" in sentence:
            continue  # the reason is the server's translated error, not user text
        if sentence in ANNOUNCED:
            continue  # read out by screen readers from a visually hidden region, never laid out
        values = rest[: rest.index("})") + 2] if "})" in rest else rest
        for key in keys:
            if not re.search(rf"\b{key}: isolate\(", values):
                bare.append(f"{script}: {sentence} ({key})")
    assert bare == []


def test_isolate_wraps_in_first_strong_isolate_and_drops_stray_controls():
    source = (SCRIPTS / "i18n.js").read_text()
    assert "export function isolate(text)" in source
    assert "\\u2068${" in source and "}\\u2069" in source and "\\u202a-\\u202e\\u2066-\\u2069" in source
