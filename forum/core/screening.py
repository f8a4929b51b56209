"""Screening of what members write before it is saved: the watched words' hook.

The apps that save text (discussions: posts and titles; live: chat messages and questions) sit
below the moderation app that keeps the watched words, so they cannot import it. They ask
`screen(texts)` here; the moderation app registers its screener when it starts (as the apps
register their personal data, `forum.core.personal_data`). With nothing registered every text
passes.

A screener takes the texts and returns one of the verdicts below; `screen` returns the strongest
one. The caller then refuses (BLOCK: `check_not_blocked` raises a translated ValidationError naming
no word), holds the content for review (HOLD) or saves it and tells the moderators (FLAG).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PASS, FLAG, HOLD, BLOCK = "pass", "flag", "hold", "block"
_STRENGTH = {PASS: 0, FLAG: 1, HOLD: 2, BLOCK: 3}

# Filled once at start-up (apps' ready()), read afterwards: configuration, not per-call state.
_screeners: dict[str, Callable[[list[str]], str]] = {}


def register(name: str, screener: Callable[[list[str]], str]) -> None:
    """Register (or replace) the screener called `name`."""
    _screeners[name] = screener


def unregister(name: str) -> None:
    _screeners.pop(name, None)


def strongest(verdicts: Iterable[str]) -> str:
    return max(verdicts, key=lambda v: _STRENGTH.get(v, 0), default=PASS)


def screen(*texts: str) -> str:
    """The strongest verdict of the registered screeners on `texts` (PASS when none is registered)."""
    texts = [t for t in texts if t]
    if not texts or not _screeners:
        return PASS
    return strongest(screener(texts) for screener in list(_screeners.values()))


def blocked_error(field: str | None = None) -> ValidationError:
    """The refusal of a blocked text: it says what to do and names no word (the list stays private)."""
    message = _("This text contains a word or phrase that is not allowed here. Please rephrase it.")
    return ValidationError({field: message} if field else message, code="blocked_word")


def check_not_blocked(verdict: str, field: str | None = None) -> None:
    if verdict == BLOCK:
        raise blocked_error(field)
