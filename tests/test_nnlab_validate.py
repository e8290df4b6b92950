"""The student-side check never says the structure is fine when a graded cell is gone."""
import json
import shutil

import pytest

from autograder.paths import LABS, lab_ids
from nnlab import validate

LAB = lab_ids()[0]


@pytest.fixture
def lab_copy(tmp_path):
    shutil.copytree(LABS / LAB, tmp_path / LAB)
    return tmp_path / LAB / f"{LAB}.ipynb"


def _edit(path, fn):
    nb = json.loads(path.read_text())
    fn(nb)
    path.write_text(json.dumps(nb))


def _tests(nb):
    return [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade")
            and not c["metadata"]["nbgrader"].get("solution")]


def test_untouched_release_is_valid(lab_copy, capsys):
    assert validate.main([str(lab_copy)]) == 0
    assert "structure ok" in capsys.readouterr().out


def test_deleted_test_cell_is_never_success(lab_copy, capsys):
    victim = {}
    def delete(nb):
        cell = _tests(nb)[1]
        victim["id"] = cell["metadata"]["nbgrader"]["grade_id"]
        nb["cells"].remove(cell)
    _edit(lab_copy, delete)
    assert validate.main([str(lab_copy)]) == 1
    out = capsys.readouterr().out
    assert "NOT VALID" in out and victim["id"] in out and "structure ok" not in out


def test_edited_and_duplicated_cells_are_reported(lab_copy, capsys):
    def tamper(nb):
        first = _tests(nb)[0]
        first["source"] = "pass"
        nb["cells"].append(json.loads(json.dumps(_tests(nb)[1])))
    _edit(lab_copy, tamper)
    assert validate.main([str(lab_copy)]) == 1
    out = capsys.readouterr().out
    assert "edited locked cell(s)" in out and "duplicated cell(s)" in out


def test_solution_cells_may_change(lab_copy):
    def solve(nb):
        for c in nb["cells"]:
            if c.get("metadata", {}).get("nbgrader", {}).get("solution"):
                c["source"] = "# my answer\nx = 1"
    _edit(lab_copy, solve)
    assert validate.main([str(lab_copy)]) == 0


def test_invalid_json_is_not_valid(lab_copy, capsys):
    lab_copy.write_text("{ not json")
    assert validate.main([str(lab_copy)]) == 1
    assert "NOT VALID" in capsys.readouterr().out
