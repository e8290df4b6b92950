"""The zoo's shared-prefix runs (autograder/prefix.py) give exactly what whole runs give.

Every zoo entry of every lab is graded from a fork of the solution's state (``make mutants``,
tests/test_mutants.py); here a sample of one lab's entries, one per place where they start to
differ, is graded both ways and compared cell by cell: points, message and diagnosis id.
"""
from __future__ import annotations

import pytest

from autograder import harness, prefix, zoo
from autograder.zoo import Patch

LAB = "lab07-cnn"


@pytest.fixture(scope="module")
def solution():
    return harness.prepare(LAB)


def _sample(solution) -> list[Patch]:
    """One zoo entry per first changed cell, mutants and variants."""
    module = zoo.load(LAB)
    seen, picked = set(), []
    for patch in module.MUTANTS + module.VARIANTS[:2]:
        at = prefix.first_change(solution, harness.prepare(LAB, (patch,)))
        if at not in seen or patch in module.VARIANTS:
            seen.add(at)
            picked.append(patch)
    return picked


def _cells(out: harness.Outcome) -> list[tuple]:
    return [(c.grade_id, c.points, c.max_points, c.message, c.diagnosis) for c in out.cells]


def test_first_change_is_the_first_cell_a_patch_edits(solution):
    cells = solution[0]
    last = max(i for i, c in enumerate(cells) if c.role == "solution")
    line = cells[last].source.splitlines()[0]
    edited = harness.prepare(LAB, (Patch("x", line, line + "  # edited"),))
    assert prefix.first_change(solution, edited) == last
    assert prefix.first_change(solution, solution) == len(cells)
    files = (cells, {**solution[1], "extra.py": "x = 1\n"})
    assert prefix.first_change(solution, files) == 0


def test_prefix_runs_equal_whole_runs(solution):
    patches = _sample(solution)
    assert len({prefix.first_change(solution, harness.prepare(LAB, (p,))) for p in patches}) >= 4
    prepared = [solution] + [harness.prepare(LAB, (p,)) for p in patches]
    labels = ["solution"] + [p.name for p in patches]
    forked = prefix.execute_all(LAB, prepared, labels, jobs=2)
    assert [o.label for o in forked] == labels
    assert forked[0].score == forked[0].max_score > 0
    assert any(o.score < o.max_score for o in forked[1:])
    for prep, out in zip(prepared, forked):
        whole = harness.execute(LAB, prep, label=out.label)
        assert _cells(out) == _cells(whole), out.label
        assert out.error == whole.error


def test_an_entry_that_hangs_times_out_alone(solution):
    cells = solution[0]
    last = max(i for i, c in enumerate(cells) if c.role == "solution")
    line = cells[last].source.splitlines()[0]
    hang = Patch("hangs", line, "while True:\n    pass\n" + line)
    ok = zoo.load(LAB).VARIANTS[0]
    outs = prefix.execute_all(LAB, [solution, harness.prepare(LAB, (hang,)), harness.prepare(LAB, (ok,))],
                              ["solution", "hangs", "variant"], jobs=2, timeout=5)
    hung = outs[1]
    assert hung.error == "timed out after 5 s"
    later = {c.grade_id for c in cells[last:] if c.role == "test"}
    assert later and all(c.points == 0 and c.message == hung.error for c in hung.cells if c.grade_id in later)
    assert all(c.points == c.max_points for c in hung.cells if c.grade_id not in later)
    assert outs[2].score == outs[2].max_score and outs[2].error is None


def test_entries_start_with_what_they_inherit_frozen(solution, tmp_path, monkeypatch):
    """Forked children freeze the objects they inherit (the grader's imports, the solution's state): the
    collector of each entry then neither walks them nor copies their shared pages (the zoo's CPU)."""
    cells = solution[0]
    last = max(i for i, c in enumerate(cells) if c.role == "solution")
    line = cells[last].source.splitlines()[0]
    report = tmp_path / "frozen.txt"
    monkeypatch.setenv("NNLAB_TEST_FROZEN", str(report))
    probe = Patch("frozen", line, "import gc as _gc, os as _os\nwith open(_os.environ['NNLAB_TEST_FROZEN'], 'a') as _f:\n"
                               "    _f.write(f'{_gc.get_freeze_count()}\\n')\n" + line)
    prepared = harness.prepare(LAB, (probe,))
    prefix.execute_all(LAB, [solution, prepared], ["solution", "frozen"], jobs=1)    # from a template
    harness.execute(LAB, prepared, label="whole")                                    # a whole run
    counts = [int(n) for n in report.read_text().split()]
    assert len(counts) == 2 and min(counts) > 50_000, counts
