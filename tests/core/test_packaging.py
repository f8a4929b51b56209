"""pyproject.toml uses the current metadata forms: setuptools warned about `project.license` as a
table (deprecated since setuptools 77, which accepts an SPDX expression)."""

import tomllib
from pathlib import Path

from django.conf import settings


def _pyproject() -> dict:
    return tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text(encoding="utf-8"))


def test_license_is_an_spdx_string_and_the_build_needs_a_setuptools_that_reads_it():
    project = _pyproject()
    assert project["project"]["license"] == "AGPL-3.0-or-later"
    assert "setuptools>=77" in project["build-system"]["requires"]
    assert not any("License ::" in c for c in project["project"].get("classifiers", []))
