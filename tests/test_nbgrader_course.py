"""What the course adds to nbgrader's own commands (autograder/nbgrader_course.py), the
submitted layout formgrader reads (autograder/submitted_layout.py) and nbgrader's
manual-grading rule in the merge (autograder/gradebook.py).

The whole TA flow through nbgrader's CLI and formgrader is tests/test_nbgrader_flow.py.
"""
from __future__ import annotations

import json
import multiprocessing
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder import collect, gradebook, nbgrader_course, release, submitted_layout
from autograder.config import course_config
from autograder.notebooks import nbgrader_meta, read, strip_hidden
from autograder.paths import LABS, ROOT, SOLUTIONS, lab_ids

LAB1 = "lab01-regression"


def _written(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "markdown" and nbgrader_meta(c).get("grade")
            and nbgrader_meta(c).get("solution")]


# --------------------------------------------------------------------------- configuration
@pytest.mark.parametrize("lab", lab_ids())
def test_released_locked_cells_are_the_source_without_hidden_tests(lab):
    """What OverwriteCellsAgainstRelease compares a student's cell with is exactly labs/."""
    source = {nbgrader_meta(c)["grade_id"]: c for c in read(SOLUTIONS / lab / f"{lab}.ipynb").cells
              if nbgrader_meta(c).get("locked")}
    released = {nbgrader_meta(c)["grade_id"]: c for c in read(LABS / lab / f"{lab}.ipynb").cells
                if nbgrader_meta(c).get("locked")}
    assert set(source) == set(released) and source
    hidden = 0
    for gid, cell in source.items():
        assert strip_hidden(cell.source).strip() == released[gid].source.strip(), gid
        hidden += strip_hidden(cell.source) != cell.source
    assert hidden > 0, "no hidden test region: the comparison would not be exercised"


def test_configure_adds_to_nbgrader_and_keeps_other_changes():
    from nbgrader.converters import Autograde, GenerateAssignment
    from nbgrader.preprocessors import OverwriteCells

    c = course_config(ROOT)
    pre = list(c.GenerateAssignment.preprocessors)
    assert pre[:-1] == list(GenerateAssignment.class_traits()["preprocessors"].default())
    assert pre[-1] is nbgrader_course.StudentRelease
    defaults = list(Autograde.class_traits()["sanitize_preprocessors"].default())
    assert list(c.Autograde.sanitize_preprocessors) == [
        nbgrader_course.OverwriteCellsAgainstRelease if p is OverwriteCells else p for p in defaults]
    # Idempotent, and another change to the same lists (the lead's sandbox, say) survives.
    c.Autograde.sanitize_preprocessors = [*c.Autograde.sanitize_preprocessors, "x.Extra"]
    nbgrader_course.configure(c)
    assert list(c.GenerateAssignment.preprocessors) == pre
    assert list(c.Autograde.sanitize_preprocessors)[-1] == "x.Extra"


def _fresh_course(tmp_path: Path, lab: str = LAB1) -> Path:
    """A fresh clone as nbgrader sees it: the configuration and the sources, no build/ folder."""
    course = tmp_path / "course"
    shutil.copytree(SOLUTIONS / lab, course / "solutions" / lab)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    return course


def _api(course: Path):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    c = course_config(course, student_files={LAB1: ["model.py"]})
    return NbGraderAPI(CourseDirectory(config=c), config=c)


@pytest.mark.slow   # runs nbgrader generate_assignment
def test_generate_assignment_on_a_fresh_clone_is_the_release(tmp_path):
    """No build/ folder yet (the SQLite gradebook's), and the result equals labs/ file by file."""
    course = _fresh_course(tmp_path)
    result = _api(course).generate_assignment(LAB1, force=True, create=True)
    assert result["success"], result.get("log")
    got, want = course / "labs" / LAB1, LABS / LAB1
    files = sorted(p.name for p in want.iterdir())
    assert ".graded-cells.json" in files and "model.py" in files
    assert sorted(p.name for p in got.iterdir()) == files
    for name in files:
        assert (got / name).read_bytes() == (want / name).read_bytes(), name


@pytest.mark.slow   # runs nbgrader generate_assignment
def test_generate_assignment_refuses_to_release_solution_markers(tmp_path):
    course = _fresh_course(tmp_path)
    (course / "solutions" / LAB1 / "notes.txt").write_text("### BEGIN SOLUTION\nthe answer\n### END SOLUTION\n")
    result = _api(course).generate_assignment(LAB1, force=True, create=True)
    assert not result["success"]
    assert "still holds solution or hidden-test markers" in result["log"] and "make release" in result["log"]
    assert not (course / "labs" / LAB1).exists()     # nbgrader removed the half-made release


# --------------------------------------------------------------------------- merge rule
def test_written_answers_scored_as_nbgrader_scores_them(tmp_path):
    folder = tmp_path / LAB1
    shutil.copytree(LABS / LAB1, folder)
    nb = read(folder / f"{LAB1}.ipynb")
    answers = [nbgrader_meta(c)["grade_id"] for c in _written(nb)]
    assert answers
    assert gradebook.written_auto_scores(folder) == dict.fromkeys(answers, 0)   # blank: 0, not queued
    _written(nb)[0].source = "Because the loss is a mean."
    nbformat.write(nb, str(folder / f"{LAB1}.ipynb"))
    assert gradebook.written_auto_scores(folder) == {answers[0]: None, **dict.fromkeys(answers[1:], 0)}
    assert gradebook.written_auto_scores(None) == {}


@pytest.mark.slow   # runs nbgrader generate_assignment
def test_merge_follows_nbgrader_manual_grading_rule(tmp_path):
    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    release.generate(LAB1, tmp_path / "release", db)
    autograded = tmp_path / "autograded"
    shutil.copytree(tmp_path / "release" / LAB1, autograded)
    nb = read(autograded / f"{LAB1}.ipynb")
    answered, blank = (nbgrader_meta(c)["grade_id"] for c in _written(nb)[:2])
    _written(nb)[0].source = "An answer."
    nbformat.write(nb, str(autograded / f"{LAB1}.ipynb"))
    (autograded / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    result = {"student": "s1", "lab": LAB1, "ok": True, "cells": {}, "notes": [], "autograded_dir": str(autograded)}
    gradebook.merge(db, result)

    def grades():
        with gradebook.opened(db) as gb:
            sub = gb.find_submission(LAB1, "s1")
            return sub.timestamp, {g.name: (g.auto_score, g.needs_manual_grade) for nb in sub.notebooks
                                   for g in nb.grades}
    timestamp, got = grades()
    assert timestamp.isoformat().startswith("2026-11-20T10:00:00")
    assert got[answered] == (None, True) and got[blank] == (0, False)
    assert all(v == (0.0, False) for k, v in got.items() if k.startswith("lab01_test_"))
    with gradebook.opened(db) as gb:                   # a TA graded a test cell by hand ...
        grade = gb.find_grade("lab01_test_relu", LAB1, LAB1, "s1")
        grade.manual_score = 1.0
        gb.db.commit()
    gradebook.merge(db, result)                        # ... a regrade asks for a review, as nbgrader does
    assert grades()[1]["lab01_test_relu"] == (0.0, True)
    gradebook.merge(db, {**result, "problem": "missing notebook", "autograded_dir": None})
    assert grades()[1][answered] == (0, False)         # nothing to read by hand


# --------------------------------------------------------------------------- submitted layout
def test_every_submission_lands_in_nbgrader_submitted_layout(tmp_path):
    cls = tmp_path / "class"
    shutil.copytree(LABS / LAB1, cls / "alice" / LAB1)
    shutil.copytree(LABS / LAB1, cls / "bob" / LAB1)
    (cls / "bob" / LAB1 / f"{LAB1}.ipynb").rename(cls / "bob" / LAB1 / "mine.ipynb")
    (cls / "bob" / LAB1 / "__pycache__").mkdir()
    (cls / "carol" / LAB1).mkdir(parents=True)
    (cls / "carol" / LAB1 / f"{LAB1}.ipynb").write_text("{ not json")
    (cls / "dave").mkdir()                                         # no submission at all
    subs = collect.collect(cls, [LAB1])
    out = tmp_path / "build"
    assert submitted_layout.publish(subs, out) == 3
    sub_dir = out / "submitted"
    assert sorted(p.name for p in sub_dir.iterdir()) == ["alice", "bob", "carol"]
    assert sorted(p.name for p in (sub_dir / "bob" / LAB1).iterdir()) == sorted(
        p.name for p in (LABS / LAB1).iterdir())                   # renamed back, cache left out
    assert (sub_dir / "carol" / LAB1 / f"{LAB1}.ipynb").read_text() == "{ not json"
    json.loads((sub_dir / "alice" / LAB1 / ".graded-cells.json").read_text())
    # Publishing again replaces; a class that already is the submitted layout is left alone.
    (cls / "alice" / LAB1 / "model.py").write_text("# new\n")
    submitted_layout.publish(subs, out)
    assert (sub_dir / "alice" / LAB1 / "model.py").read_text() == "# new\n"
    again = collect.collect(sub_dir, [LAB1])
    assert submitted_layout.publish(again, out) == 3
    assert (sub_dir / "alice" / LAB1 / "model.py").read_text() == "# new\n"


def _template_in_child(cache: str, queue) -> None:
    try:
        queue.put(tuple(str(p) for p in gradebook.template(LAB1, SOLUTIONS / LAB1, Path(cache))))
    except Exception as exc:   # reported to the parent
        queue.put(repr(exc))


def test_graders_starting_at_once_share_one_complete_template(tmp_path):
    """Two graders on a fresh checkout build the same template at the same moment: both get it whole."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    children = [ctx.Process(target=_template_in_child, args=(str(tmp_path), queue)) for _ in range(2)]
    for child in children:
        child.start()
    got = [queue.get(timeout=300) for _ in children]
    for child in children:
        child.join(timeout=60)
    assert got[0] == got[1] and all(isinstance(g, tuple) for g in got), got
    db, nb = map(Path, got[0])
    assert db.is_file() and nb.is_file()
    assert [p.name for p in tmp_path.iterdir()] == [db.parent.name]    # no scratch folder left behind
