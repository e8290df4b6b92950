"""Typed records passed between grading stages: a unit's spec and its result.

Units cross process and machine boundaries (forked workers, Dask tasks) and are cached on
disk, so each record has a JSON round trip (``to_json`` / ``from_json``) and the JSON form
is what travels.  Every "this unit could not be graded" result is built by one constructor,
:meth:`UnitResult.not_run`, so a failed unit always has the same shape (no cells, the
reason, the notes) and always scores 0.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class CellResult:
    """One graded cell of a unit: the judge's verdict as nbgrader scored it."""
    score: float | None          # None for a manually graded (written-answer) cell
    max: float
    auto: bool
    message: str | None = None   # the judge's message when the cell failed
    diagnosis: str | None = None  # its stable id


@dataclass
class UnitSpec:
    """What one worker needs to grade one submission."""
    student: str
    lab: str
    submission_dir: str
    notebook: str | None
    template_db: str
    release_notebook: str
    source_dir: str
    course_root: str
    workdir: str
    cell_timeout: int
    student_files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sandbox: bool = True
    data_mounts: list[list[str]] = field(default_factory=list)
    input_hash: str | None = None
    alone: bool = False          # being graded again with no other unit running

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> UnitSpec:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass
class UnitResult:
    """What grading one submission produced (the JSON form is cached and merged)."""
    student: str
    lab: str
    ok: bool
    cells: dict[str, CellResult] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    failure: str | None = None    # graded but failed (kernel died, time limit...)
    problem: str | None = None    # never graded (missing, invalid, refused)
    retry: bool = False           # our failure, not the student's: never cached
    autograded_dir: str | None = None
    feedback_html: str | None = None
    timing: dict[str, Any] | None = None
    trace: str | None = None

    @classmethod
    def not_run(cls, student: str, lab: str, *, notes=(), failure: str | None = None,
                problem: str | None = None, retry: bool = False, trace: str | None = None) -> UnitResult:
        """A unit that produced no cells: ``problem`` (never graded) or ``failure`` (died)."""
        return cls(student, lab, False, {}, list(notes), failure, problem, retry, trace=trace)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("problem", "retry", "trace", "timing", "autograded_dir", "feedback_html"):
            if out[key] in (None, False):
                out.pop(key)
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> UnitResult:
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        kw["cells"] = {k: CellResult(**c) for k, c in (d.get("cells") or {}).items()}
        return cls(**kw)
