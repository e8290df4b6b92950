"""Issue 15, deliverable 1: every graded function has a property-coverage entry.

Each lab's checks module carries ``PROPERTIES`` (graded function -> what its check verifies
beside the oracle); ``make mutants`` prints it.  These tests keep the table in step with the
source notebooks: every check a hidden region calls has an entry, no entry names a check
nobody calls, and every check called exists in the module.
"""
from __future__ import annotations

import importlib

import pytest

from autograder.judge.declarations import read_declared
from autograder.paths import lab_ids, lab_key, source_notebook


def called_checks(lab: str) -> set[str]:
    """Names of the check functions the lab's hidden regions call."""
    return {call.name for calls in read_declared(source_notebook(lab)).values() for call in calls}


@pytest.mark.parametrize("lab", lab_ids())
def test_every_graded_function_has_a_property_row(lab):
    module = importlib.import_module(f"autograder.checks.{lab_key(lab)}")
    table = getattr(module, "PROPERTIES", None)
    assert isinstance(table, dict) and table, f"autograder/checks/{lab_key(lab)}.py has no PROPERTIES table"
    called = called_checks(lab)
    assert called, f"{lab}: no hidden check calls found in the source notebook"
    assert not called - set(table), f"{lab}: checks without a property row: {sorted(called - set(table))}"
    assert not set(table) - called, f"{lab}: property rows for checks no cell calls: {sorted(set(table) - called)}"
    for name in called:
        assert callable(getattr(module, name, None)), f"{lab}: hidden regions call a missing check {name}"
        props = table[name]
        assert isinstance(props, tuple) and props and all(isinstance(p, str) and p for p in props), name
        assert len(set(props)) == len(props), f"{lab}.{name}: a property is listed twice"
