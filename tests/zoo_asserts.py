"""One assertion the lab tests share: a named zoo mutant loses points with a message naming it."""
from __future__ import annotations

from autograder import harness, zoo


def assert_caught_and_named(lab: str, name: str) -> None:
    mutant = next(m for m in zoo.load(lab).MUTANTS if m.name == name)
    out = harness.grade_direct(lab, (mutant,), label=name)
    assert out.score < out.max_score
    assert any(e.lower() in m.lower() for m in out.messages() for e in mutant.expect), out.messages()
