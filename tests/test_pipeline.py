"""End to end through the real nbgrader: the sample class plus broken submissions.

One session-scoped run grades every lab of the generated sample class together with a few
broken lab01 submissions, then the tests read the CSV, the gradebook and the feedback.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from autograder import pipeline, sample_class
from autograder.paths import lab_ids

pytestmark = pytest.mark.slow
LAB1 = "lab01-regression"


def _add_cell_after_setup(folder: Path, lab: str, source: str) -> None:
    nb = nbformat.read(str(folder / f"{lab}.ipynb"), as_version=4)
    idx = next(i for i, c in enumerate(nb.cells) if "setup" in c.metadata.get("tags", []))
    cell = nbformat.v4.new_code_cell(source)
    cell.id = "injected"
    nb.cells.insert(idx + 1, cell)
    nbformat.write(nb, str(folder / f"{lab}.ipynb"))


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    subs = sample_class.generate(root / "submissions", lab_ids())
    perfect = subs / "perfect" / LAB1
    # Broken submissions (lab01 only; the other labs of these students are simply missing).
    (subs / "broken-json" / LAB1).mkdir(parents=True)
    (subs / "broken-json" / LAB1 / f"{LAB1}.ipynb").write_text('{"cells": [ {"cell_type": ')
    (subs / "no-notebook" / LAB1).mkdir(parents=True)
    shutil.copy(perfect / "model.py", subs / "no-notebook" / LAB1 / "model.py")
    shutil.copytree(perfect, subs / "renamed" / LAB1)
    (subs / "renamed" / LAB1 / f"{LAB1}.ipynb").rename(subs / "renamed" / LAB1 / "my lab.ipynb")
    shutil.copytree(perfect, subs / "exits" / LAB1)
    _add_cell_after_setup(subs / "exits" / LAB1, LAB1, "import os\nos._exit(3)")
    out = root / "build"
    df = pipeline.grade(subs, lab_ids(), out, jobs=2, quiet=True)
    manifest = json.loads((subs / "manifest.json").read_text())
    return df, out, manifest


def _row(df, student, lab):
    rows = df[(df.student_id == student) & (df.assignment == lab)]
    assert len(rows) == 1, f"expected one row for {student}/{lab}, got {len(rows)}"
    return rows.iloc[0]


def test_csv_has_totals_status_and_one_column_per_cell(graded):
    df, out, _ = graded
    on_disk = pd.read_csv(out / "grades.csv")
    assert list(on_disk.columns[:7]) == ["student_id", "assignment", "auto_score", "auto_max", "score",
                                         "max_score", "status"]
    cell_columns = on_disk.columns[7:]
    assert any(c.startswith("lab01_test_") for c in cell_columns)
    assert any(c.startswith("lab01_answer_") for c in cell_columns)
    students = set(on_disk.student_id)
    assert len(on_disk) == len(students) * len(lab_ids()), "one row per student x lab"


@pytest.mark.parametrize("lab", lab_ids())
def test_sample_class_scores(graded, lab):
    df, _, manifest = graded
    perfect, blank = _row(df, "perfect", lab), _row(df, "blank", lab)
    buggy, tampered = _row(df, "buggy", lab), _row(df, "tampered", lab)
    assert perfect.auto_max > 0
    assert perfect.auto_score == perfect.auto_max, perfect.status
    assert blank.auto_score == 0, blank.status
    assert 0 < buggy.auto_score < buggy.auto_max, buggy.status
    # The direct harness and the real nbgrader path agree on the buggy submission.
    assert buggy.auto_score == manifest[lab]["expected_buggy_score"]
    for cell in manifest[lab]["buggy_failing"]:
        assert _row(df, "buggy", lab)[cell] < df[cell].max()
    # Tampering earns nothing: the edited test is restored (still failing), the deleted one re-added.
    assert tampered.auto_score == buggy.auto_score
    assert tampered[manifest[lab]["tampered_edited"]] == 0
    assert tampered[manifest[lab]["tampered_deleted"]] == perfect[manifest[lab]["tampered_deleted"]]
    assert manifest[lab]["tampered_edited"] in tampered.status and "edited locked" in tampered.status
    assert manifest[lab]["tampered_deleted"] in tampered.status and "deleted" in tampered.status
    for student in ("perfect", "blank", "buggy"):
        assert _row(df, student, lab).status == "graded"


def test_broken_submissions_are_named_and_score_zero(graded):
    df, _, _ = graded
    assert _row(df, "broken-json", LAB1).status.startswith("not graded: invalid notebook JSON")
    assert _row(df, "no-notebook", LAB1).status.startswith(f"not graded: missing notebook {LAB1}.ipynb")
    assert _row(df, "no-notebook", lab_ids()[-1]).status.startswith("not graded: no submission")
    exits = _row(df, "exits", LAB1)
    assert exits.status.startswith("failed:") and "kernel died" in exits.status, exits.status
    for student in ("broken-json", "no-notebook", "exits"):
        assert _row(df, student, LAB1).auto_score == 0


def test_wrongly_named_notebook_is_graded_with_a_note(graded):
    df, _, _ = graded
    row = _row(df, "renamed", LAB1)
    assert row.auto_score == row.auto_max
    assert "my lab.ipynb" in row.status


def test_feedback_has_no_hidden_tests(graded):
    _, out, _ = graded
    pages = list((out / "feedback").rglob("*.html"))
    assert len(pages) >= 4 * len(lab_ids())
    for page in pages:
        html = page.read_text()
        assert "autograder.checks" not in html and "_checks" not in html and "HIDDEN TESTS" not in html, page
    blank = (out / "feedback" / "blank" / LAB1 / f"{LAB1}.html").read_text()
    assert "not implemented yet" in blank     # the verdict of a hidden check reaches the student


def _tags(html: str) -> list:
    """Every tag of a page as (name, attributes), attribute order ignored; and the page text."""
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(html, features="html.parser")
    tags = [(t.name, sorted((k, " ".join(v) if isinstance(v, list) else v) for k, v in t.attrs.items()))
            for t in soup.find_all(True)]
    return tags, soup.get_text()


def test_feedback_exporter_renders_what_nbconvert_renders(graded):
    """The pipeline's FeedbackExporter skips HTMLExporter's BeautifulSoup pass: same page otherwise."""
    from nbconvert.exporters import HTMLExporter

    from autograder import feedback
    from autograder.config import course_config
    from autograder.paths import ROOT
    _, out, _ = graded
    notebook = out / "autograded" / "buggy" / LAB1 / f"{LAB1}.ipynb"
    nb = nbformat.read(str(notebook), as_version=4)
    assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])), "no figure"
    for cell in nb.cells:   # what GetGrades adds from the gradebook
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.metadata.nbgrader["score"] = 1.0
    pages = {}
    for cls in (feedback.FeedbackExporter, HTMLExporter):
        exporter = feedback.configured_exporter(course_config(str(ROOT)), cls)
        assert type(exporter) is cls
        resources = {"nbgrader": {"notebook": LAB1, "score": 3, "max_score": 9, "late_penalty": 0}}
        pages[cls], _ = exporter.from_notebook_node(nbformat.from_dict(nb), resources)
    ours, stock = _tags(pages[feedback.FeedbackExporter]), _tags(pages[HTMLExporter])
    assert len(ours[0]) == len(stock[0]) > 100
    assert ours == stock
    assert feedback.NO_ALT in pages[feedback.FeedbackExporter]


def test_feedback_pages_come_from_the_feedback_exporter(graded):
    _, out, _ = graded
    page = (out / "feedback" / "buggy" / LAB1 / f"{LAB1}.html").read_text()
    assert "<img" in page and all("alt=" in tag.split(">")[0] for tag in page.split("<img")[1:])
    assert "Score:" in page   # nbgrader's feedback template, with the grades from the gradebook


def test_gradebook_is_usable_by_nbgrader(graded):
    from nbgrader.api import Gradebook
    _, out, _ = graded
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", "nn-course") as gb:
        assert gb.find_submission(LAB1, "perfect").score >= gb.find_submission(LAB1, "buggy").score
        assert {s.id for s in gb.students} >= {"perfect", "blank", "buggy", "tampered"}


def test_regrading_unchanged_submissions_is_skipped(graded, tmp_path):
    df, out, _ = graded
    subs = out.parent / "submissions"
    again = pipeline.grade(subs, [LAB1], out, jobs=2, quiet=True)
    summary = (out / "summary.txt").read_text()
    assert summary.startswith("graded 0 submission(s)"), summary.splitlines()[0]
    merged = again.merge(df[df.assignment == LAB1], on=["student_id", "assignment"], suffixes=("", "_before"))
    assert (merged.auto_score == merged.auto_score_before).all()


def test_a_kernel_that_died_alongside_others_is_graded_again_alone(tmp_path):
    """A kernel death during a parallel run may be a neighbour's doing: regraded alone, once.

    The notebook dies the first time only (a marker file outside the unit, hence no
    sandbox here), as a kernel starved by a fork bomb next door would.
    """
    subs = sample_class.generate(tmp_path / "submissions", [LAB1])
    marker = tmp_path / "died-once"
    shutil.copytree(subs / "perfect" / LAB1, subs / "unlucky" / LAB1)
    for other in ("buggy", "tampered"):   # perfect and blank are the neighbours that must stay unaffected
        shutil.rmtree(subs / other)
    _add_cell_after_setup(subs / "unlucky" / LAB1, LAB1,
                          f"import os\nif not os.path.exists({str(marker)!r}):\n"
                          f"    open({str(marker)!r}, 'w').close()\n    os._exit(3)")
    df = pipeline.grade(subs, [LAB1], tmp_path / "out", jobs=2, quiet=True, sandbox=False)
    assert marker.exists()
    unlucky, perfect = _row(df, "unlucky", LAB1), _row(df, "perfect", LAB1)
    assert unlucky.status == f"graded; {pipeline.REGRADED_ALONE}", unlucky.status
    assert unlucky.auto_score == perfect.auto_score == perfect.auto_max
    assert _row(df, "blank", LAB1).status == "graded"   # the others are graded once, as usual
    assert "graded 3 submission(s)" in (tmp_path / "out" / "summary.txt").read_text()


@pytest.mark.parametrize("lab", lab_ids())
def test_solution_notebook_runs_top_to_bottom_under_nbgrader(graded, lab):
    """The perfect submission (release + solutions) executes every cell without an error."""
    _, out, _ = graded
    nb = nbformat.read(str(out / "autograded" / "perfect" / lab / f"{lab}.ipynb"), as_version=4)
    errors = [(i, o.get("ename"), o.get("evalue", "")[:120]) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors
    assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code" and c.source.strip())
