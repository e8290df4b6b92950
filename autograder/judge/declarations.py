"""Which checks a graded test cell runs, read from the trusted source notebook.

A hidden-test region declares its checks in the lab contract's two lines::

    from autograder.checks import lab01 as _checks
    _checks.linear_backward(Linear)

The judge reads them from the *source* notebook (``solutions/``, or the gradebook's copy),
never from the kernel: a submission cannot choose which check judges it.  The kernel must
then hand over exactly these checks, in this order.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .. import parsing
from ..notebooks import BEGIN_HIDDEN, END_HIDDEN, is_graded_test, nbgrader_meta


@dataclass(frozen=True)
class CheckCall:
    """One hidden check a cell runs: ``autograder.checks.<lab>.<name>(*args)``."""
    lab: str                  # the checks module, e.g. "lab01"
    name: str                 # the function, e.g. "linear_backward"
    args: tuple[str, ...]     # the student names handed over, for messages

    @property
    def qualname(self) -> str:
        return f"{self.lab}.{self.name}"

    def to_json(self) -> dict:
        return {"lab": self.lab, "name": self.name, "args": list(self.args)}

    @classmethod
    def from_json(cls, d: dict) -> "CheckCall":
        return cls(d["lab"], d["name"], tuple(d["args"]))


def hidden_region(source: str) -> str:
    """The text between the hidden-test markers (the whole source when there are none)."""
    if BEGIN_HIDDEN not in source:
        return source
    out, inside = [], False
    for line in source.split("\n"):
        s = line.strip()
        if s == BEGIN_HIDDEN:
            inside = True
        elif s == END_HIDDEN:
            inside = False
        elif inside:
            out.append(line)
    return "\n".join(out)


def checks_in(source: str) -> list[CheckCall]:
    """The check calls of a test cell's hidden region, in order."""
    try:
        tree = parsing.parse(hidden_region(source))
    except SyntaxError:
        return []
    aliases: dict[str, str] = {}
    calls = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "autograder.checks":
            for alias in node.names:
                aliases[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            fn = node.value.func
            if isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name) and fn.value.id in aliases:
                args = tuple(a.id if isinstance(a, ast.Name) else ast.unparse(a) for a in node.value.args)
                calls.append(CheckCall(aliases[fn.value.id], fn.attr, args))
    return calls


def declared_checks(nb) -> dict[str, list[CheckCall]]:
    """grade_id -> the checks of every graded test cell of a source notebook."""
    return {nbgrader_meta(cell)["grade_id"]: checks_in(cell.source)
            for cell in nb.cells if is_graded_test(cell)}


def read_declared(path: Path) -> dict[str, list[CheckCall]]:
    return declared_checks(nbformat.read(str(path), as_version=4))
