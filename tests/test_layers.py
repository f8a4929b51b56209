"""What import-linter cannot see: an app reaching another app's models by label (`apps.get_model`) or
another app's command by name would step over the layers (pyproject.toml) unseen. Migrations use
`apps.get_model` by design (historical models), so they are left out."""

from __future__ import annotations

import re
from pathlib import Path

FORUM = Path(__file__).resolve().parent.parent / "forum"

LOOKUPS_BY_NAME = re.compile(r"\bget_model\s*\(|\bget_commands\s*\(")


def test_no_app_reaches_models_or_commands_by_name_outside_migrations():
    offenders = []
    for path in sorted(FORUM.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if LOOKUPS_BY_NAME.search(line):
                offenders.append(f"{path.relative_to(FORUM.parent)}:{number}: {line.strip()}")
    assert offenders == []
