"""The bundled sample class, generated from the solutions (never hand-copied).

Students, for every lab:

* ``perfect``  — the release with every solution region filled in from the source;
* ``blank``    — the release untouched;
* ``buggy``    — ``perfect`` with three catalogued mistakes from the lab's bug zoo;
* ``tampered`` — ``buggy`` that also rewrote a test cell it fails into ``pass`` and deleted a
  test cell it passes: grading restores both, so it must score exactly what ``buggy`` scores.

``generate`` writes ``<dest>/<student>/<lab>/`` and ``<dest>/manifest.json`` (what was done to
each submission, for the tests).
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import nbformat

from . import harness, notebooks, zoo
from .gradebook import template
from .paths import BUILD, SOLUTIONS, lab_ids

STUDENTS = ("perfect", "blank", "buggy", "tampered")
BUGS_PER_SUBMISSION = 3


def release_dir(lab: str) -> Path:
    _db, nb = template(lab, SOLUTIONS / lab, BUILD / "grading" / "templates")
    return nb.parent


def write_perfect(lab: str, release: Path, dest: Path) -> None:
    """Release + solutions: what a student who solved everything hands in."""
    shutil.copytree(release, dest)
    source = notebooks.read(SOLUTIONS / lab / f"{lab}.ipynb")
    answers = {notebooks.nbgrader_meta(c)["grade_id"]: c.source for c in source.cells if notebooks.is_solution(c)}
    nb = notebooks.read(dest / f"{lab}.ipynb")
    for cell in nb.cells:
        gid = notebooks.nbgrader_meta(cell).get("grade_id")
        if notebooks.is_solution(cell) and gid in answers:
            cell.source = notebooks.unmark(answers[gid])
    nbformat.write(nb, str(dest / f"{lab}.ipynb"))
    for rel in notebooks.student_files(SOLUTIONS / lab):
        (dest / rel).write_text(notebooks.unmark((SOLUTIONS / lab / rel).read_text()))


def _code(folder: Path, lab: str, patch: zoo.Patch) -> str:
    """The text ``patch`` edits in a submission folder: its file, or the notebook's code cells."""
    return (folder / patch.file).read_text() if patch.file else \
        "\n".join(c.source for c in notebooks.read(folder / f"{lab}.ipynb").cells if c.cell_type == "code")


def _applies(folder: Path, lab: str, patch: zoo.Patch, chosen: list[zoo.Patch]) -> bool:
    """``patch`` applies once, and rewrites none of the text a ``chosen`` patch wrote: each listed bug stays in
    the buggy submission as its patch made it (two mistakes in one line would be graded as neither)."""
    text = _code(folder, lab, patch)
    written = [(text.find(n), len(n)) for c in chosen if c.file == patch.file
               for _old, new in c.edits() if (n := new.rstrip("\n"))]
    for old, _new in patch.edits():
        if text.count(old) != 1:
            return False
        at = text.find(old)
        if any(j >= 0 and at < j + size and j < at + len(old) for j, size in written):
            return False
    return True


def apply_patch(folder: Path, lab: str, patch: zoo.Patch) -> None:
    """Apply a zoo patch to a *submission* folder (the same edit a student would have made)."""
    for old, new in patch.edits():
        if patch.file:
            path = folder / patch.file
            text = path.read_text()
            if old not in text:
                raise ValueError(f"zoo patch {patch.name!r} does not apply to {path}")
            path.write_text(text.replace(old, new))
        else:
            nb = notebooks.read(folder / f"{lab}.ipynb")
            changed = False
            for cell in nb.cells:
                # A cell's last line has no newline of its own (a solution region's last line does in the
                # source, before "### END SOLUTION"): match as _applies does, on the cell's text plus "\n".
                text = cell.source + "\n"
                if cell.cell_type == "code" and old in text:
                    replaced = text.replace(old, new)
                    cell.source = replaced[:-1] if replaced.endswith("\n") else replaced
                    changed = True
            if not changed:
                raise ValueError(f"zoo patch {patch.name!r} does not apply to {lab}.ipynb")
            nbformat.write(nb, str(folder / f"{lab}.ipynb"))


def pick_bugs(lab: str, perfect: Path) -> list[zoo.Patch]:
    """Up to three mutants, spread over the zoo, that apply together to the perfect submission."""
    mutants = list(zoo.load(lab).MUTANTS)
    order = mutants[::max(1, len(mutants) // BUGS_PER_SUBMISSION)] + mutants
    chosen, scratch = [], perfect.parent / f".pick-{lab}"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(perfect, scratch)
    try:
        for patch in order:
            if len(chosen) == BUGS_PER_SUBMISSION:
                break
            if patch not in chosen and _applies(scratch, lab, patch, chosen):
                apply_patch(scratch, lab, patch)
                chosen.append(patch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return chosen


def tamper(folder: Path, lab: str, failing: str, passing: str) -> None:
    """Rewrite the test cell ``failing`` to pass trivially and delete the test cell ``passing``."""
    nb = notebooks.read(folder / f"{lab}.ipynb")
    kept = []
    for cell in nb.cells:
        gid = notebooks.nbgrader_meta(cell).get("grade_id")
        if gid == failing:
            cell.source = "# nothing to see here\npass"
        if gid != passing:
            kept.append(cell)
    nb.cells = kept
    nbformat.write(nb, str(folder / f"{lab}.ipynb"))


def generate(dest: Path = BUILD / "sample-class", labs: list[str] | None = None) -> Path:
    dest = Path(dest)
    shutil.rmtree(dest, ignore_errors=True)
    manifest = {}
    for lab in labs or lab_ids():
        release = release_dir(lab)
        perfect = dest / "perfect" / lab
        write_perfect(lab, release, perfect)
        shutil.copytree(release, dest / "blank" / lab)
        bugs = pick_bugs(lab, perfect)
        buggy = dest / "buggy" / lab
        shutil.copytree(perfect, buggy)
        for patch in bugs:
            apply_patch(buggy, lab, patch)
        # Which hidden-test cells the bugs fail, from the source with the same patches.
        outcome = harness.grade_direct(lab, tuple(bugs), label="buggy")
        failing = [c.grade_id for c in outcome.cells if c.points < c.max_points]
        passing = [c.grade_id for c in outcome.cells if c.points == c.max_points]
        tampered = dest / "tampered" / lab
        shutil.copytree(buggy, tampered)
        tamper(tampered, lab, failing[0], passing[-1])
        manifest[lab] = {"buggy": [p.name for p in bugs], "buggy_failing": failing,
                         "tampered_edited": failing[0], "tampered_deleted": passing[-1],
                         "expected_buggy_score": outcome.score, "max_score": outcome.max_score}
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return dest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Generate the sample class from the solutions")
    ap.add_argument("--dest", type=Path, default=BUILD / "sample-class")
    ap.add_argument("labs", nargs="*")
    args = ap.parse_args(argv)
    path = generate(args.dest, args.labs or None)
    print(f"sample class written to {path}")
    return 0
