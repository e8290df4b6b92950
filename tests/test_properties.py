"""Issue 15, deliverable 1: every graded function has a property-coverage entry.

Each lab's checks module carries ``PROPERTIES`` (graded function -> what its check verifies
beside the oracle); ``make mutants`` prints it.  These tests keep the table in step with the
source notebooks: every check a hidden region calls has a row (under the check's name or the
name of the student function it grades, its first argument), no row names something no hidden
region mentions, and every check called exists in the module.
"""
from __future__ import annotations

import importlib
import re

import pytest

from autograder.judge.declarations import read_declared
from autograder.paths import lab_ids, lab_key, source_notebook


def calls(lab: str) -> list:
    """The check calls of the lab's hidden regions (autograder.judge.declarations.CheckCall)."""
    return [call for cell_calls in read_declared(source_notebook(lab)).values() for call in cell_calls]


@pytest.mark.parametrize("lab", lab_ids())
def test_every_graded_function_has_a_property_row(lab):
    module = importlib.import_module(f"autograder.checks.{lab_key(lab)}")
    table = getattr(module, "PROPERTIES", None)
    assert isinstance(table, dict) and table, f"autograder/checks/{lab_key(lab)}.py has no PROPERTIES table"
    declared = calls(lab)
    assert declared, f"{lab}: no hidden check calls found in the source notebook"
    # A row's key names what it covers: the check, or the student function it grades (its first
    # argument), possibly with the methods graded in parentheses, e.g. "add (__add__, __radd__)".
    named = {key: set(re.findall(r"\w+", key)) for key in table}
    covered = set().union(*named.values())
    uncovered = sorted({c.name for c in declared if c.name not in covered and (c.args[:1] or ("",))[0] not in covered})
    assert not uncovered, f"{lab}: checks without a property row: {uncovered}"
    mentioned = {c.name for c in declared} | {a for c in declared for a in c.args}
    stray = sorted(key for key, names in named.items() if not names & mentioned)
    assert not stray, f"{lab}: rows no hidden region mentions: {stray}"
    for call in declared:
        assert callable(getattr(module, call.name, None)), f"{lab}: hidden regions call a missing check {call.name}"
    for name, props in table.items():
        assert isinstance(props, tuple) and props and all(isinstance(p, str) and p for p in props), name
        assert len(set(props)) == len(props), f"{lab}.{name}: a property is listed twice"
