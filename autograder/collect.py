"""Finding submissions in a class folder and diagnosing the ones that cannot be graded.

Layout (nbgrader's "submitted" layout): ``<folder>/<student_id>/<lab_id>/<lab_id>.ipynb`` plus any
student modules of the lab.  Every student × lab pair yields one :class:`Submission`, graded
or not, so the gradebook always has a row for it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass
class Submission:
    student: str
    lab: str
    folder: Path | None           # the submitted lab folder, if any
    notebook: str | None = None   # the file to grade under the expected name
    problem: str | None = None    # why it cannot be graded (then it scores 0)
    notes: tuple[str, ...] = ()   # things the TA should know although it was graded


def _check_notebook(path: Path) -> str | None:
    """None when ``path`` is a readable notebook, else the reason it is not."""
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return "the notebook is not UTF-8 text"
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        return f"invalid notebook JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
    try:
        nb = nbformat.from_dict(data)
        if nb.get("nbformat") != 4:
            return f"unsupported notebook format version {nb.get('nbformat')!r}"
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several kinds
        return f"not a valid Jupyter notebook ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
    return None


def inspect_lab_folder(student: str, lab: str, folder: Path) -> Submission:
    expected = folder / f"{lab}.ipynb"
    notes: list[str] = []
    if not expected.exists():
        others = sorted(p.name for p in folder.glob("*.ipynb"))
        if len(others) != 1:
            found = ", ".join(others) if others else "no notebook at all"
            return Submission(student, lab, folder, problem=f"missing notebook {lab}.ipynb (found {found})")
        notes.append(f"notebook was named {others[0]}; graded as {lab}.ipynb")
        expected = folder / others[0]
    problem = _check_notebook(expected)
    return Submission(student, lab, folder, expected.name, problem, tuple(notes))


def collect(folder: Path, labs: list[str]) -> list[Submission]:
    """One Submission per (student, lab) for every student folder under ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"submissions folder not found: {folder}")
    out = []
    for student_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        student = student_dir.name
        for lab in labs:
            if not STUDENT_ID.match(student):
                out.append(Submission(student, lab, None, problem="invalid student id (letters, digits, _ . - only)"))
            elif not (student_dir / lab).is_dir():
                out.append(Submission(student, lab, None, problem=f"no submission (folder {lab}/ missing)"))
            else:
                out.append(inspect_lab_folder(student, lab, student_dir / lab))
    return out
