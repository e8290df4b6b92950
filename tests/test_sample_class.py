"""The sample class's buggy submissions really hold the bugs the manifest lists.

A zoo patch whose text ends a solution region used to match the source (where "### END SOLUTION"
follows it) and be silently skipped in the submission (where it is the cell's last line, with no
newline): the buggy student then scored more than the direct harness said, and test_pipeline
caught it only when the zoo's order picked such a patch.
"""
from __future__ import annotations

import json

import nbformat

from autograder import sample_class, zoo
from autograder.paths import lab_ids


def _code(folder, lab, patch) -> str:
    if patch.file:
        return (folder / patch.file).read_text()
    nb = nbformat.read(str(folder / f"{lab}.ipynb"), as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def test_every_listed_bug_is_in_the_buggy_submission(tmp_path):
    subs = sample_class.generate(tmp_path / "class", lab_ids())
    manifest = json.loads((subs / "manifest.json").read_text())
    for lab in lab_ids():
        patches = {p.name: p for p in zoo.load(lab).MUTANTS}
        for name in manifest[lab]["buggy"]:
            patch = patches[name]
            buggy, perfect = _code(subs / "buggy" / lab, lab, patch), _code(subs / "perfect" / lab, lab, patch)
            assert buggy != perfect, (lab, name)
            for _old, new in patch.edits():
                assert new.rstrip("\n") in buggy, (lab, name)


def test_a_patch_ending_a_cell_applies_to_the_submission(tmp_path):
    lab = "lab08-optimisation"
    patch = next(p for p in zoo.load(lab).MUTANTS if p.name == "step decay without the integer division")
    subs = sample_class.generate(tmp_path / "class", [lab])
    folder = subs / "perfect" / lab
    sample_class.apply_patch(folder, lab, patch)
    assert "gamma ** (epoch / step_size)" in _code(folder, lab, patch)
