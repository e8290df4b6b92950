"""The dashboard's numbers: typed records computed from unit results and the gradebook export.

Scores come from the gradebook DataFrame (``build/grades.csv``: one row per student × lab,
with ``auto_score``, ``auto_max`` and ``status``), so every submission counts, graded or not;
cells, messages, feedback pages and timings come from the unit results.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .diagnoses import FailedCell, failed_cells, lost_points


@dataclass(frozen=True)
class ScoreStats:
    """Automatic scores of one lab's graded submissions (failed and ungraded ones excluded)."""
    lab: str
    max_points: float
    scores: tuple[float, ...]
    submissions: int        # every student × lab row, graded or not
    failed: int             # graded but the run failed (kernel died, time limit...)
    not_graded: int         # never reached the grader (missing, invalid notebook...)

    @property
    def graded(self) -> int:
        return len(self.scores)

    def quantile(self, q: float) -> float:
        return float(np.quantile(self.scores, q)) if self.scores else float("nan")

    @property
    def mean(self) -> float:
        return float(np.mean(self.scores)) if self.scores else float("nan")


@dataclass(frozen=True)
class CellStats:
    """One automatically graded cell over the graded submissions of its lab."""
    lab: str
    cell: str
    max_points: float
    submissions: int
    passed: int
    points: float           # points earned, summed over submissions
    top_diagnosis: str | None

    @property
    def pass_rate(self) -> float:
        return self.passed / self.submissions if self.submissions else float("nan")

    @property
    def mean_points(self) -> float:
        return self.points / self.submissions if self.submissions else float("nan")


@dataclass(frozen=True)
class StudentMistake:
    """One student's instance of a mistake (in one or several cells of a lab)."""
    student: str
    cells: tuple[str, ...]
    message: str            # the wording of the first of those cells
    feedback: str | None


@dataclass(frozen=True)
class Diagnosis:
    """One mistake (a diagnosis id) in one lab and the students who made it."""
    lab: str
    id: str | None
    message: str            # the most frequent wording of the failure
    cells: tuple[str, ...]
    points_lost: float      # summed over students
    share: float            # students concerned / graded submissions of the lab
    mistakes: tuple[StudentMistake, ...]

    @property
    def students(self) -> tuple[str, ...]:
        return tuple(m.student for m in self.mistakes)


@dataclass(frozen=True)
class Attention:
    """A submission a TA should look at, and why."""
    student: str
    lab: str
    kind: str               # "not graded", "failed", "findings", "zero score"
    reasons: tuple[str, ...]
    feedback: str | None


@dataclass(frozen=True)
class RunStats:
    seconds: float | None
    graded: int | None      # units graded by this run (not from the cache)
    cached: int
    units: int
    settings: tuple[tuple[str, str], ...]
    unit_seconds: dict[str, tuple[float, ...]]          # lab -> grading time of each unit
    slowest: tuple[tuple[str, str, float], ...]          # (student, lab, seconds)

    @property
    def throughput(self) -> float | None:
        """Submissions per minute graded by this run."""
        if not self.graded or not self.seconds:
            return None
        return 60.0 * self.graded / self.seconds


@dataclass
class LabView:
    lab: str
    scores: ScoreStats
    cells: list[CellStats] = field(default_factory=list)
    diagnoses: list[Diagnosis] = field(default_factory=list)


@dataclass
class Dashboard:
    labs: list[LabView]
    attention: list[Attention]
    run: RunStats
    students: int


# --------------------------------------------------------------------------- computing
_KIND_ORDER = {"not graded": 0, "failed": 1, "findings": 2, "zero score": 3}


def _kind(status: str) -> str:
    if status.startswith("not graded"):
        return "not graded"
    if status.startswith("failed"):
        return "failed"
    return "graded"


def score_stats(lab: str, rows: pd.DataFrame) -> ScoreStats:
    kinds = [_kind(str(s)) for s in rows.status]
    graded = [float(a) for a, k in zip(rows.auto_score, kinds) if k == "graded"]
    return ScoreStats(lab, float(rows.auto_max.max()) if len(rows) else 0.0, tuple(graded), len(rows),
                      kinds.count("failed"), kinds.count("not graded"))


def cell_stats(lab: str, results: list[dict], failures: list[FailedCell]) -> list[CellStats]:
    """Pass rate and points of each automatically graded cell, hardest first."""
    seen: dict[str, list[dict]] = defaultdict(list)
    for res in results:
        if res.get("ok"):
            for name, cell in (res.get("cells") or {}).items():
                if cell.get("auto"):
                    seen[name].append(cell)
    top = {}
    for name in seen:
        ids = Counter(f.diagnosis for f in failures if f.cell == name)
        top[name] = ids.most_common(1)[0][0] if ids else None
    out = [CellStats(lab, name, max(float(c.get("max") or 0) for c in cells), len(cells),
                     sum(1 for c in cells if lost_points(c) == 0), sum(float(c.get("score") or 0) for c in cells),
                     top[name])
           for name, cells in seen.items()]
    return sorted(out, key=lambda c: (c.pass_rate, c.mean_points / (c.max_points or 1), c.cell))


def diagnoses(lab: str, failures: list[FailedCell], graded: int) -> list[Diagnosis]:
    """The lab's mistakes, most frequent first (students concerned, then points lost)."""
    groups: dict[str | None, list[FailedCell]] = defaultdict(list)
    for f in failures:
        groups[f.diagnosis].append(f)
    out = []
    for ident, group in groups.items():
        wording = Counter(f.message for f in group).most_common(1)[0][0]
        per_student: dict[str, list[FailedCell]] = defaultdict(list)
        for f in group:
            per_student[f.student].append(f)
        mistakes = tuple(StudentMistake(s, tuple(f.cell for f in fs), fs[0].message, fs[0].feedback)
                         for s, fs in sorted(per_student.items()))
        students = len(mistakes)
        out.append(Diagnosis(lab, ident, wording, tuple(dict.fromkeys(f.cell for f in group)),
                             sum(f.points_lost for f in group), students / graded if graded else 0.0, mistakes))
    return sorted(out, key=lambda d: (-len(d.students), -d.points_lost, d.id or ""))


def attention(grades: pd.DataFrame, results: dict[tuple[str, str], dict]) -> list[Attention]:
    """Submissions not graded, failed, with integrity findings or notes, or scoring zero."""
    out = []
    for row in grades.itertuples(index=False):
        status = str(row.status)
        res = results.get((row.student_id, row.assignment), {})
        feedback = res.get("feedback_html")
        kind = _kind(status)
        if kind != "graded":
            out.append(Attention(row.student_id, row.assignment, kind, (status,), feedback))
            continue
        notes = tuple(res.get("notes") or ()) or tuple(status.split("; ")[1:])
        if notes:
            out.append(Attention(row.student_id, row.assignment, "findings", notes, feedback))
        if row.auto_max > 0 and row.auto_score == 0:
            out.append(Attention(row.student_id, row.assignment, "zero score",
                                 (f"scored 0 of {row.auto_max:g} automatic points",), feedback))
    return sorted(out, key=lambda a: (_KIND_ORDER[a.kind], a.lab, a.student))


def _unit_seconds(res: dict) -> float | None:
    timing = res.get("timing") or {}
    parts = [timing.get(k) for k in ("setup", "execute", "feedback", "database")]
    return sum(p for p in parts if p is not None) if any(p is not None for p in parts) else None


_SANDBOX = {True: "on", False: "OFF (trusted notebooks only)"}


def run_stats(results: list[dict], run_info: dict) -> RunStats:
    per_lab: dict[str, list[float]] = defaultdict(list)
    timed = []
    for res in results:
        seconds = _unit_seconds(res)
        if seconds is not None:
            per_lab[res["lab"]].append(seconds)
            timed.append((res["student"], res["lab"], seconds))
    timed.sort(key=lambda t: -t[2])
    scheduler = run_info.get("scheduler", "not recorded") or "forked workers on this machine"
    settings = (("parallel jobs", str(run_info.get("jobs", "not recorded"))),
                ("sandbox", _SANDBOX.get(run_info.get("sandbox"), "not recorded")),
                ("scheduler", str(scheduler)),
                *((str(k), str(v)) for k, v in sorted(run_info.get("extra", {}).items())))
    return RunStats(run_info.get("seconds"), run_info.get("graded"), sum(1 for r in results if r.get("cached")),
                    len(results), settings, {lab: tuple(v) for lab, v in sorted(per_lab.items())}, tuple(timed[:10]))


def summarize(results: list[dict], grades: pd.DataFrame, run_info: dict) -> Dashboard:
    """Every number the dashboard shows."""
    failures = failed_cells(results)
    by_key = {(r["student"], r["lab"]): r for r in results}
    labs = list(dict.fromkeys([*grades.assignment, *(r["lab"] for r in results)]))
    views = []
    for lab in labs:
        scores = score_stats(lab, grades[grades.assignment == lab])
        lab_results = [r for r in results if r["lab"] == lab]
        lab_failures = [f for f in failures if f.lab == lab]
        views.append(LabView(lab, scores, cell_stats(lab, lab_results, lab_failures),
                             diagnoses(lab, lab_failures, scores.graded)))
    return Dashboard(views, attention(grades, by_key), run_stats(results, run_info),
                     len(set(grades.student_id)))
