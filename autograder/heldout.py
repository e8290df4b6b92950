"""``python -m autograder heldout LAB FILE``: measure the hidden checks on a held-out set.

A held-out set is a Python file of the zoo's form (``MUTANTS`` and ``VARIANTS`` built with
``autograder.zoo.Mutant`` / ``Variant``) that is *not* in the zoo: fresh mistakes nobody tuned the
checks for.  It is graded like ``make mutants`` (direct harness): one line per entry with its score
and first message, then how many mistakes were caught (lost points) and named (a message holds one of
their ``expect`` phrases) and how many correct variants kept full marks.  Entries that are exact copies
of the lab's zoo entries are reported first (a held-out set should not contain them).

With ``--nbgrader K`` the first K mutants and K variants are also graded by the real pipeline
(sandboxed nbgrader autograde, as ``make grade``) as student submissions, and each score is compared
with the direct harness's.  Exit status 1 when a mistake survives or is not named, a variant loses a
point, or nbgrader and the harness disagree.
"""
from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from . import harness, mutants, pipeline, sample_class, zoo


def load(path: Path) -> ModuleType:
    """The held-out file as a module (``MUTANTS``, ``VARIANTS``)."""
    spec = importlib.util.spec_from_file_location(f"autograder_heldout_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def copies_of_zoo(lab: str, module: ModuleType) -> list[str]:
    """Names of the held-out entries whose edits are exactly those of a zoo entry of ``lab``."""
    catalogued = {(p.file, tuple(p.edits())) for p in (*zoo.load(lab).MUTANTS, *zoo.load(lab).VARIANTS)}
    return [p.name for p in (*module.MUTANTS, *module.VARIANTS) if (p.file, tuple(p.edits())) in catalogued]


def through_nbgrader(lab: str, module: ModuleType, k: int) -> tuple[list[str], bool]:
    """Grade the first ``k`` mutants and ``k`` variants as submissions through the real pipeline; one line each
    comparing nbgrader's score with the direct harness's, and whether all agree (mutants below full marks,
    variants at full marks)."""
    entries = [(p, True) for p in module.MUTANTS[:k]] + [(p, False) for p in module.VARIANTS[:k]]
    lines, ok = [], True
    with tempfile.TemporaryDirectory(prefix="heldout-") as tmp:
        perfect = Path(tmp) / "perfect" / lab
        sample_class.write_perfect(lab, sample_class.release_dir(lab), perfect)
        subs = Path(tmp) / "class"
        ids = []
        for i, (patch, is_mutant) in enumerate(entries):
            sid = f"{'m' if is_mutant else 'v'}{i:03d}"      # a valid student id whatever the entry's name
            shutil.copytree(perfect, subs / sid / lab)
            sample_class.apply_patch(subs / sid / lab, lab, patch)
            ids.append(sid)
        df = pipeline.grade(subs, [lab], Path(tmp) / "out", jobs=2, quiet=True)
    for sid, (patch, is_mutant) in zip(ids, entries):
        row = df[(df.assignment == lab) & (df.student_id == sid)].iloc[0]
        direct = harness.grade_direct(lab, (patch,))
        good = (row.status == "graded" and row.auto_score == direct.score
                and (row.auto_score < row.auto_max if is_mutant else row.auto_score == row.auto_max))
        ok &= good
        lines.append(f"  {'agrees' if good else 'DISAGREES'}: {patch.name}: nbgrader {row.auto_score:g}/"
                     f"{row.auto_max:g}, harness {direct.score:g}/{direct.max_score:g} ({row.status})")
    lines.append(f"{lab}: nbgrader and the harness agree on {sum(1 for x in lines if 'agrees:' in x)}/"
                 f"{len(entries)} held-out entries")
    return lines, ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lab", help="lab id, e.g. lab05-autograd")
    ap.add_argument("file", type=Path, help="held-out set: a .py file defining MUTANTS and VARIANTS")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--nbgrader", type=int, default=0, metavar="K",
                    help="also grade the first K mutants and K variants through nbgrader")
    args = ap.parse_args(argv)
    module = load(args.file)
    copies = copies_of_zoo(args.lab, module)
    if copies:
        print(f"{len(copies)} entries are copies of zoo entries (not held out): {', '.join(copies)}")
    text, ok = mutants.verdicts(args.lab, args.jobs, verbose=True, module=module)
    print(text)
    if args.nbgrader:
        lines, agree = through_nbgrader(args.lab, module, args.nbgrader)
        print("\n".join(lines))
        ok &= agree
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
