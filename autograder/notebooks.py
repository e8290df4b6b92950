"""Reading nbgrader source notebooks: cell roles and solution / hidden-test regions."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
# What a stubbed region becomes in the student release (nbgrader's own default stub).
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
MAGIC = re.compile(r"^\s*[%!]")


@dataclass(frozen=True)
class Cell:
    """One code cell as the mutation harness sees it."""
    index: int
    role: str          # "setup", "solution" or "test"
    source: str
    grade_id: str | None = None
    points: float = 0.0


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_graded_test(cell) -> bool:
    m = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(m.get("grade")) and not m.get("solution")


def is_solution(cell) -> bool:
    return bool(nbgrader_meta(cell).get("solution"))


def is_setup(cell) -> bool:
    return cell.cell_type == "code" and "setup" in cell.get("metadata", {}).get("tags", [])


def graded_cells(nb) -> list[dict]:
    """Every cell that carries points (autograded tests and manually graded answers)."""
    out = []
    for cell in nb.cells:
        m = nbgrader_meta(cell)
        if m.get("grade"):
            out.append({"grade_id": m["grade_id"], "points": float(m.get("points", 0)),
                        "auto": cell.cell_type == "code" and not m.get("solution")})
    return out


def unmark(source: str) -> str:
    """Drop the marker lines themselves, keeping what they enclose (solution and tests)."""
    markers = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)
    return "\n".join(line for line in source.split("\n") if line.strip() not in markers)


def strip_hidden(source: str) -> str:
    """Remove hidden-test regions, markers included (what students and feedback see)."""
    out, hidden = [], False
    for line in source.split("\n"):
        s = line.strip()
        if s == BEGIN_HIDDEN:
            hidden = True
        elif s == END_HIDDEN:
            hidden = False
        elif not hidden:
            out.append(line)
    return "\n".join(out).rstrip("\n")


def stub_solutions(source: str) -> str:
    """Replace each solution region by the code stub, at the region's indentation."""
    out, inside = [], False
    for line in source.split("\n"):
        s = line.strip()
        if s == BEGIN_SOLUTION:
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + stub for stub in CODE_STUB.split("\n"))
        elif s == END_SOLUTION:
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError("a ### BEGIN SOLUTION region is never closed")
    return "\n".join(out)


def executable(source: str) -> str:
    """Cell source as plain Python: markers dropped, IPython magics commented out."""
    return "\n".join("# " + line if MAGIC.match(line) else line
                     for line in unmark(source).split("\n"))


def harness_cells(nb) -> list[Cell]:
    """The cells the direct grader runs, in notebook order: setup, solution and test cells.

    Test cells must depend on nothing else (no training cell, no data download), which
    keeps grading fast and makes this list sufficient.
    """
    cells = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        m = nbgrader_meta(cell)
        if is_graded_test(cell):
            cells.append(Cell(i, "test", executable(cell.source), m["grade_id"], float(m.get("points", 0))))
        elif is_solution(cell):
            cells.append(Cell(i, "solution", executable(cell.source), m.get("grade_id")))
        elif is_setup(cell):
            cells.append(Cell(i, "setup", executable(cell.source)))
    return cells


def read(path: Path):
    return nbformat.read(str(path), as_version=4)


def student_files(lab_dir: Path) -> list[str]:
    """Non-notebook files students edit (they hold solution regions), relative to the lab."""
    return sorted(str(p.relative_to(lab_dir)) for p in lab_dir.rglob("*.py")
                  if "__pycache__" not in p.parts and BEGIN_SOLUTION in p.read_text())
