"""Watched words: the list administrators keep (`WatchedWord`), and how texts are screened with it.

The list is read from the Django cache (shared by every process; rebuilt from the database after
a change, see `invalidate`). The patterns are compiled once per list: `compiled(entries)` is keyed
by the list itself (an immutable tuple), so a process compiles again only when the list changed
— a memo, not state: the same list always gives the same patterns. Plain words are escaped and
all the words and patterns of one action are joined into one pattern, so a text is scanned at
most once per action (block, then hold, then flag), in time linear in its length.

Administrators' patterns are validated when saved (`validate_pattern`): bounded length, no
back-references, no repetition of something that itself repeats or branches (the shapes that
make a backtracking engine exponential).
"""

from __future__ import annotations

import functools
import logging
import re
import re._parser as sre_parse  # the standard library's own parser: the shape of a pattern

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from forum.core import arabic, conf, screening

from .models import WatchedWord

logger = logging.getLogger(__name__)
CACHE_KEY = "moderation:watched-words:1"
VERDICTS = ((WatchedWord.Act.BLOCK, screening.BLOCK), (WatchedWord.Act.HOLD, screening.HOLD),
            (WatchedWord.Act.FLAG, screening.FLAG))


def entries() -> tuple[tuple[str, str, str], ...]:
    """((kind, text, action), ...) of every watched word: from the cache, or the database once.

    A cache that cannot be reached does not stop anyone writing: the list is read from the
    database (screening must not fail open, nor fail the write on its own)."""
    try:
        found = cache.get(CACHE_KEY)
    except Exception:  # noqa: BLE001 - any cache backend's connection error
        found, reachable = None, False
    else:
        reachable = True
    if found is None:
        found = tuple(tuple(row) for row in WatchedWord.objects.order_by("id").values_list("kind", "text", "action"))
        if reachable:
            try:
                cache.set(CACHE_KEY, found, timeout=None)
            except Exception:  # noqa: BLE001
                logger.warning("watched words: the list could not be cached", exc_info=True)
    return found


def invalidate() -> None:
    """The list changed: every process reads it again from the database."""
    try:
        cache.delete(CACHE_KEY)
    except Exception:  # noqa: BLE001 - unreachable: other processes may read the old list until it is dropped
        logger.error("watched words: the cached list could not be dropped", exc_info=True)


def _trie(words: list[str]) -> str:
    """One pattern matching any of `words`, with their common prefixes shared (a trie written as a
    regular expression): at each position of a text the engine follows one branch per letter
    instead of trying every word, so the time is linear in the text whatever the list's length."""
    root: dict = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # a word ends here and longer ones go on
            body = f"(?:{body})?"
        return body

    return emit(root)


@functools.lru_cache(maxsize=4)
def compiled(entries: tuple[tuple[str, str, str], ...]) -> dict[str, re.Pattern]:
    """{action: one pattern joining all its words} for this list (compiled once per list): the plain
    words as one trie, matched as whole words of the normalised text, then the patterns."""
    words: dict[str, list[str]] = {}
    patterns: dict[str, list[str]] = {}
    for kind, text, action in entries:
        if kind == WatchedWord.Kind.PATTERN:
            patterns.setdefault(action, []).append(f"(?:{text})")
        else:
            words.setdefault(action, []).append(arabic.normalise(text))
    result = {}
    for action in {*words, *patterns}:
        parts = [rf"(?<!\w)(?:{_trie(words[action])})(?!\w)"] if words.get(action) else []
        parts += patterns.get(action, [])
        result[action] = re.compile("|".join(parts), re.IGNORECASE)
    return result


def screen(texts: list[str]) -> str:
    """The verdict of the watched words on `texts` (the strongest action of any match)."""
    return verdict_of(compiled(entries()), texts)


def verdict_of(patterns: dict[str, re.Pattern], texts: list[str]) -> str:
    """The strongest action whose pattern matches one of `texts` (normalised here)."""
    if not patterns:
        return screening.PASS
    folded = [arabic.normalise(t) for t in texts]
    for action, verdict in VERDICTS:
        pattern = patterns.get(action)
        if pattern is not None and any(pattern.search(t) for t in folded):
            return verdict
    return screening.PASS


# --- Validation of what administrators enter ---------------------------------------------------

_REPEATS = (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT)


def _unsafe(parsed) -> bool:
    """Whether the parsed pattern back-references, or repeats something that repeats or branches."""
    for op, arg in parsed:
        if op in (sre_parse.GROUPREF, sre_parse.GROUPREF_EXISTS):
            return True
        if op in _REPEATS:
            _low, high, sub = arg
            if high != 1 and _repeats_or_branches(sub):
                return True
            if _unsafe(sub):
                return True
        elif op == sre_parse.SUBPATTERN:
            if _unsafe(arg[-1]):
                return True
        elif op == sre_parse.BRANCH:
            if any(_unsafe(branch) for branch in arg[1]):
                return True
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            if _unsafe(arg[1]):
                return True
        elif op == sre_parse.ATOMIC_GROUP and _unsafe(arg):
            return True
    return False


def _repeats_or_branches(parsed) -> bool:
    for op, arg in parsed:
        if op in _REPEATS or op == sre_parse.BRANCH:
            return True
        if op == sre_parse.SUBPATTERN and _repeats_or_branches(arg[-1]):
            return True
        if op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT) and _repeats_or_branches(arg[1]):
            return True
        if op == sre_parse.ATOMIC_GROUP and _repeats_or_branches(arg):
            return True
    return False


def refusal(field: str, message: str, code: str) -> ValidationError:
    """A refusal of one form field, with its code (what tests and the JSON side read)."""
    return ValidationError({field: ValidationError(message, code=code)})


def clean_entry(*, kind: str, text: str) -> str:
    """The word or pattern to store; ValidationError (translated) when empty, too long, not a valid
    pattern, or a pattern whose matching could take exponential time."""
    if kind not in WatchedWord.Kind.values:
        raise refusal("kind", _("Choose a word or a pattern."), "bad_kind")
    text = (text or "").strip()
    if not text:
        raise refusal("text", _("Write the word or the pattern to watch for."), "empty")
    limit = conf.FORUM_MODERATION_WATCHED_PATTERN_MAX_CHARS
    if len(text) > limit:
        raise refusal("text", _("Please keep it under %(limit)d characters.") % {"limit": limit}, "too_long")
    if any(ch in text for ch in "\x00\n\r"):
        raise refusal("text", _("Line breaks and control characters are not allowed here."), "control_chars")
    if kind == WatchedWord.Kind.WORD:
        if not arabic.normalise(text):
            raise refusal("text", _("Write the word or the pattern to watch for."), "empty")
        return text
    try:
        parsed = sre_parse.parse(text, re.IGNORECASE)
    except (re.error, OverflowError, RecursionError):
        raise refusal("text", _("This is not a valid regular expression."), "bad_pattern") from None
    if _unsafe(parsed):
        raise refusal("text", _("This pattern could make matching very slow (a repetition of "
                                         "something that repeats or has alternatives, or a back-reference). "
                                         "Please simplify it."), "unsafe_pattern")
    if re.compile(text, re.IGNORECASE).search(""):
        raise refusal("text", _("This pattern matches an empty text, so it would match everything."),
                      "matches_everything")
    return text
