"""Places where higher apps add to category pages without this app importing them.

The categories app sits below discussions (see the import-linter layers), yet its pages show
per-thread and per-category unread counts that discussions computes. Discussions registers a
provider at start-up (`DiscussionsConfig.ready`); with none registered the pages show no counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

UnreadProvider = Callable[[object, list[int]], dict[int, int]]

_providers: dict[str, UnreadProvider] = {}


def register_unread_provider(kind: str, provider: UnreadProvider) -> None:
    """`kind` is "threads" or "categories"; `provider(user, ids)` returns {id: unread count}."""
    if kind not in ("threads", "categories"):
        raise ValueError(f"unknown unread provider kind {kind!r}")
    _providers[kind] = provider


def unread_counts(kind: str, user, ids: Iterable[int]) -> dict[int, int]:
    """Unread counts for the given ids (empty for visitors, or when no provider is registered)."""
    provider = _providers.get(kind)
    ids = list(ids)
    if provider is None or not ids or not getattr(user, "is_authenticated", False):
        return {}
    return provider(user, ids) or {}
