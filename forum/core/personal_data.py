"""The registry of personal data: each app says what it holds about a person and how to erase it.

An app adds a `personal_data.py` module that calls `register(...)`; `autodiscover()` (run when
the accounts app is ready) imports every installed app's module. "Download my data" asks every
registered `export`, "Delete my account" calls every registered `erase`. Core knows no forum app:
apps come to it, so the layering stays one-way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Entry:
    name: str
    export: Callable[[Any], Any] | None
    erase: Callable[[Any], None] | None


_registry: dict[str, Entry] = {}


def register(name: str, *, export: Callable[[Any], Any] | None = None,
             erase: Callable[[Any], None] | None = None) -> None:
    """Register (or replace) the exporter and eraser of one kind of personal data under `name`.

    `export(user)` returns something `json.dumps` accepts (dates as ISO strings); `erase(user)`
    removes or anonymises that data. Both run inside the caller's transaction.
    """
    if export is None and erase is None:
        raise ValueError(f"personal data {name!r} needs an export or an erase callable")
    _registry[name] = Entry(name=name, export=export, erase=erase)


def unregister(name: str) -> None:
    _registry.pop(name, None)


def entries() -> list[Entry]:
    """Registered entries, by name, so exports are stable."""
    return [_registry[name] for name in sorted(_registry)]


def export_all(user) -> dict[str, Any]:
    """Everything every app exports about `user`, keyed by entry name."""
    return {entry.name: entry.export(user) for entry in entries() if entry.export is not None}


def erase_all(user) -> list[str]:
    """Call every registered eraser for `user`; return the names erased, in order."""
    erased = []
    for entry in entries():
        if entry.erase is not None:
            entry.erase(user)
            erased.append(entry.name)
    return erased


def autodiscover() -> None:
    """Import the `personal_data` module of every installed app that has one."""
    autodiscover_modules("personal_data")
