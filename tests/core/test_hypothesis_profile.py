"""Property tests do not depend on machine speed: no Hypothesis deadline anywhere."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import hypothesis

import tests


def test_the_loaded_hypothesis_profile_has_no_deadline():
    assert hypothesis.settings.default.deadline is None
    assert hypothesis.settings().deadline is None


def _property_tests():
    for info in pkgutil.walk_packages(tests.__path__, prefix="tests."):
        if not info.name.rsplit(".", 1)[-1].startswith("test_"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            candidates = [obj, *vars(obj).values()] if isinstance(obj, type) else [obj]
            for func in candidates:
                if inspect.isfunction(func) and getattr(func, "is_hypothesis_test", False) is True:
                    yield f"{info.name}.{name}", func


def test_every_property_test_runs_without_a_deadline():
    found = dict(_property_tests())
    assert len(found) >= 10, found  # the walk really finds the property tests
    with_deadline = {name: func._hypothesis_internal_use_settings.deadline
                     for name, func in found.items()
                     if func._hypothesis_internal_use_settings.deadline is not None}
    assert with_deadline == {}
