"""Finding submissions in a class folder and diagnosing the ones that cannot be graded.

Layout (nbgrader's "submitted" layout): ``<folder>/<student_id>/<lab_id>/<lab_id>.ipynb`` plus any
student modules of the lab.  Every student × lab pair yields one :class:`Submission`, graded
or not, so the gradebook always has a row for it.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .patches import UnsafeSubmission, check_folder
from .textsafe import one_line

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass
class Submission:
    student: str
    lab: str
    folder: Path | None           # the submitted lab folder, if any
    notebook: str | None = None   # the file to grade under the expected name
    problem: str | None = None    # why it cannot be graded (then it scores 0)
    notes: tuple[str, ...] = ()   # things the TA should know although it was graded


#: A notebook larger than this is not graded (a lab notebook with its figures is well under 5 MB).
MAX_NOTEBOOK_BYTES = int(os.environ.get("NNLAB_MAX_NOTEBOOK_MB", "32")) * 2 ** 20


def _check_notebook(path: Path) -> str | None:
    """None when ``path`` is a readable notebook, else the reason it is not.

    Student bytes are parsed here, in the grading run's parent process: every failure,
    however the file was built (a 5000-digit number, nesting 100 000 deep, 1 GB of JSON),
    must cost this submission only, so nothing may escape as an exception.
    """
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            return f"the notebook is too large ({size >> 20} MB, limit {MAX_NOTEBOOK_BYTES >> 20} MB)"
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return "the notebook is not UTF-8 text"
    except OSError as exc:
        return f"the notebook cannot be read ({type(exc).__name__})"
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        return f"invalid notebook JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
    except RecursionError:
        return "invalid notebook JSON (nested too deeply)"
    except (ValueError, MemoryError) as exc:   # e.g. an integer beyond Python's 4300-digit limit
        return f"invalid notebook JSON ({type(exc).__name__}: {str(exc)[:80]})"
    try:
        nb = nbformat.from_dict(data)
        if nb.get("nbformat") != 4:
            return "unsupported notebook format version"
        nbformat.validate(nb)
        nbformat.writes(nb)   # what nbgrader will do with it: must not raise either
    except RecursionError:
        return "not a valid Jupyter notebook (nested too deeply)"
    except Exception as exc:  # noqa: BLE001 - nbformat and jsonschema raise several kinds
        first = (str(exc).splitlines() or [""])[0]
        return f"not a valid Jupyter notebook ({type(exc).__name__}: {first[:120]})"
    return None


def inspect_lab_folder(student: str, lab: str, folder: Path) -> Submission:
    try:
        check_folder(folder)   # links would hand another student's or the course's files to the grader
    except UnsafeSubmission as exc:
        return Submission(student, lab, folder, problem=f"refused: {exc}")
    except OSError as exc:
        return Submission(student, lab, folder, problem=f"unreadable submission ({type(exc).__name__})")
    expected = folder / f"{lab}.ipynb"
    notes: list[str] = []
    if not expected.exists():
        others = sorted(p.name for p in folder.glob("*.ipynb"))
        if len(others) != 1:
            found = ", ".join(others) if others else "no notebook at all"
            return Submission(student, lab, folder, problem=f"missing notebook {lab}.ipynb (found {found})")
        notes.append(f"notebook was named {one_line(others[0], 120)!r}; graded as {lab}.ipynb")
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
                # The raw name never reaches the gradebook: a stable stand-in id, the name escaped.
                safe = "invalid-" + hashlib.sha256(student.encode("utf-8", "surrogateescape")).hexdigest()[:10]
                out.append(Submission(safe, lab, None, problem=f"invalid student id {one_line(student, 80)!r} "
                                                               f"(letters, digits, _ . - only)"))
            elif student_dir.is_symlink() or (student_dir / lab).is_symlink():
                out.append(Submission(student, lab, None, problem="refused: the submission folder is a symbolic link"))
            elif not (student_dir / lab).is_dir():
                out.append(Submission(student, lab, None, problem=f"no submission (folder {lab}/ missing)"))
            else:
                out.append(inspect_lab_folder(student, lab, student_dir / lab))
    return out
