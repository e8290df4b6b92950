"""Blast radius of a mistake: which graded cells a mutant fails, and whether they judge the
function it broke ("one mistake, one deduction").

A mutant's function is the top-level ``def`` or ``class`` of the solution whose source holds
the patched text; a cell judges the student names its hidden-test call hands to the judge
(``_checks.backward(forward, backward)`` judges ``forward`` and ``backward``).  A failed cell
that does not judge the mutant's function is *foreign*: that mistake costs points twice.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from . import notebooks, parsing
from .judge.declarations import checks_in
from .zoo import Patch


@dataclass(frozen=True)
class Blast:
    function: str | None            # the function or class the mutant changed
    failed: tuple[str, ...]         # grade ids of the cells it failed
    foreign: tuple[str, ...]        # ...of which judge other functions


def _enclosing(source: str, offset: int) -> str | None:
    """Name of the top-level def/class of ``source`` spanning character ``offset``."""
    try:
        tree = parsing.parse(source)
    except SyntaxError:
        return None
    line = source.count("\n", 0, offset) + 1
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.lineno <= line <= (node.end_lineno or 0):
            return node.name
    return None


def mutated_function(patch: Patch, nb, files: dict[str, str]) -> str | None:
    """The function or class a patch edits (None when it cannot tell)."""
    old = patch.old.strip("\n")   # a patch ending a solution region ends with its newline
    if patch.file:
        text = files.get(patch.file, "")
        return _enclosing(text, text.find(old)) if old in text else None
    for cell in nb.cells:
        if cell.cell_type == "code" and patch.old in cell.source:
            src = notebooks.executable(cell.source)
            return _enclosing(src, src.find(old)) if old in src else None
    return None


def judged_names(nb) -> dict[str, set[str]]:
    """grade_id -> the student names its checks receive."""
    out = {}
    for cell in nb.cells:
        if notebooks.is_graded_test(cell):
            out[notebooks.nbgrader_meta(cell)["grade_id"]] = {a for c in checks_in(cell.source) for a in c.args}
    return out


def blast(patch: Patch, nb, files: dict[str, str], failed: list[str]) -> Blast:
    fn = mutated_function(patch, nb, files)
    names = judged_names(nb)
    foreign = tuple(g for g in failed if fn is not None and fn not in names.get(g, set()))
    return Blast(fn, tuple(failed), foreign)
