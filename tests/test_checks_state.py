"""The hidden checks keep no state between verdicts: their modules' tables are the same after grading.

Judges run in threads (the zoo grades two entries at once in one process; a class's units may share a
worker), so a check that keeps its progress in a module-level dict or list lets one submission's
check read another's: a lab04 train check once read another entry's "judge on one sample" flag under
load and passed a mistake.  Here every module-level container (and every object of a class the
module defines) must read the same before and after grading the solution and two zoo mutants.
"""
from __future__ import annotations

import importlib
import types

import pytest

from autograder import harness, zoo
from autograder.paths import lab_ids, lab_key


def _state(module: types.ModuleType) -> dict[str, str]:
    """repr of every module-level container and of the attributes of the module's own objects."""
    out = {}
    for name, value in vars(module).items():
        if type(value) in (dict, list, set, bytearray):
            out[name] = repr(value)
        elif type(value).__module__ == module.__name__ and hasattr(value, "__dict__"):
            out[name] = repr(vars(value))
    return out


@pytest.mark.parametrize("lab", lab_ids())
def test_checks_keep_no_state_between_verdicts(lab):
    module = importlib.import_module(f"autograder.checks.{lab_key(lab)}")
    before = _state(module)
    mutants = zoo.load(lab).MUTANTS
    for patches in ((), (mutants[0],), (mutants[len(mutants) // 2],)):
        harness.grade_direct(lab, patches)
    after = _state(module)
    changed = sorted(k for k in before if after.get(k) != before[k])
    assert not changed, f"{lab_key(lab)} checks changed module-level state while grading: {changed}"
