"""``make mutants``: every catalogued mistake must be caught, every correct variant kept whole.

Runs the direct harness (autograder/harness.py) on the solution, each mutant and each
variant of every lab, in parallel, and prints one line per lab::

    lab01-regression: 63/63 mutants caught and named (63 lost points, 63 with a message naming the
    mistake), 25/25 correct variants full marks; blast radius median 1, max 1 cell(s), 0 mistake(s)
    failing another function's cells

followed by one ``blast:`` line per mutant that fails a cell judging another function
(autograder/blast.py: one mistake should cost the cells of its own function only), and the
lab's property-coverage table (``PROPERTIES`` in its checks module: graded function x property).
A mutant counts as caught only when a message names it (one of its ``expect`` phrases).

Exit status 1 if a mutant survives, is caught without a message that names it, a
variant loses points, or the solution itself is not at full marks.

Then one end-to-end run through the real nbgrader per lab: the sample class's ``buggy``
submission (three zoo mutants) must get, cell by cell, the score the direct harness gives.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time

from . import harness, prefix, zoo
from .blast import blast
from .paths import lab_ids


def verdicts(lab: str, jobs: int, verbose: bool, module=None) -> tuple[str, bool]:
    """The report lines of one lab's zoo (or of ``module``, a file of the same form: a held-out set) and
    whether every mutant was caught and named and every variant kept full marks."""
    module = module or zoo.load(lab)
    runs = [("solution", "solution", ())]
    runs += [("mutant", p.name, (p,)) for p in module.MUTANTS]
    runs += [("variant", p.name, (p,)) for p in module.VARIANTS]
    prepared = [harness.prepare(lab, patches) for _, _, patches in runs]   # main thread: may raise PatchError
    # Each entry runs from the solution's state before the first cell it changes (autograder/prefix.py).
    # Entries whose patches are the same text (a held-out probe catalogued again with another expect phrase)
    # are graded once; each is still judged against its own expect phrases.
    keys = [tuple((p.file, tuple(p.edits())) for p in patches) for _, _, patches in runs]
    first: dict[tuple, int] = {}
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    unique = sorted(set(first.values()))          # 0, the solution, first: prefix.execute_all needs it there
    # The judge's threads allocate all run long: while they do, the collector need not walk what this
    # process already holds (its imports, the prepared entries), as in the forked children (prefix._serve).
    gc.freeze()
    try:
        graded = dict(zip(unique, prefix.execute_all(lab, [prepared[i] for i in unique],
                                                     [runs[i][1] for i in unique], jobs)))
    finally:
        gc.unfreeze()
    outcomes = [graded[first[key]] for key in keys]
    problems, caught, detected, full = [], 0, 0, 0
    nb, files = harness.load_lab(lab)
    radii, crossing = [], []
    for (kind, name, patches), out in zip(runs, outcomes):
        if kind == "solution":
            if out.score != out.max_score or out.max_score == 0:
                problems.append(f"  the solution scores {out.score:g}/{out.max_score:g}: {out.messages()[:3]}")
        elif kind == "variant":
            if out.score == out.max_score:
                full += 1
            else:
                problems.append(f"  variant loses points: {name}: {out.messages()[:2]}")
        else:
            expect = [e.lower() for e in patches[0].expect]
            named = any(e in m.lower() for m in out.messages() for e in expect)
            radius = blast(patches[0], nb, files, [c.grade_id for c in out.cells if c.points < c.max_points])
            radii.append(len(radius.failed))
            if radius.foreign:
                crossing.append(f"  blast: {name} ({radius.function}) also fails {', '.join(radius.foreign)}")
            if out.score < out.max_score:
                detected += 1
            if out.score < out.max_score and named:
                caught += 1
            elif out.score < out.max_score:
                problems.append(f"  mutant caught but not named ({expect}): {name}: {out.messages()[:2]}")
            else:
                problems.append(f"  mutant SURVIVED: {name}")
        if verbose:
            first = next(iter(out.messages()), "")
            print(f"    [{kind}] {name}: {out.score:g}/{out.max_score:g} {first[:110]}")
    line = (f"{lab}: {caught}/{len(module.MUTANTS)} mutants caught and named ({detected} lost points, "
            f"{caught} with a message naming the mistake), "
            f"{full}/{len(module.VARIANTS)} correct variants full marks; blast radius "
            f"{_spread(radii)} cell(s), {len(crossing)} mistake(s) failing another function's cells")
    return "\n".join([line, *problems, *crossing, *_coverage(lab)]), not problems


def _coverage(lab: str) -> list[str]:
    """The lab's property-coverage table (graded function x property), from its checks module."""
    import importlib

    from .paths import lab_key
    table = getattr(importlib.import_module(f"autograder.checks.{lab_key(lab)}"), "PROPERTIES", None)
    if not table:
        return [f"  property coverage: no PROPERTIES table in autograder/checks/{lab_key(lab)}.py"]
    import textwrap
    lines = [f"  property coverage ({len(table)} graded functions, {sum(map(len, table.values()))} properties checked):"]
    for fn, props in table.items():
        lines.append(f"    {fn}:")
        lines += textwrap.wrap("; ".join(props), width=108, initial_indent=" " * 8, subsequent_indent=" " * 8,
                               break_on_hyphens=False)
    return lines


def _spread(radii: list[int]) -> str:
    if not radii:
        return "0"
    radii = sorted(radii)
    return f"median {radii[len(radii) // 2]}, max {radii[-1]}"


def nbgrader_agreement(labs: list[str], jobs: int) -> tuple[list[str], bool]:
    """Grade each lab's ``buggy`` sample submission with nbgrader; compare with the harness."""
    import json
    import shutil
    import tempfile
    from pathlib import Path

    from . import pipeline, sample_class

    lines, ok = [], True
    with tempfile.TemporaryDirectory(prefix="mutants-nbgrader-") as tmp:
        subs = sample_class.generate(Path(tmp) / "class", labs)
        manifest = json.loads((subs / "manifest.json").read_text())
        for student in ("perfect", "blank", "tampered"):
            shutil.rmtree(subs / student)
        df = pipeline.grade(subs, labs, Path(tmp) / "out", jobs=jobs, quiet=True)
    for lab in labs:
        row = df[(df.assignment == lab) & (df.student_id == "buggy")].iloc[0]
        expected = manifest[lab]
        failing = [c for c in expected["buggy_failing"] if row[c] != 0]
        agree = row.auto_score == expected["expected_buggy_score"] and not failing and row.status == "graded"
        ok &= agree
        lines.append(f"{lab}: nbgrader {'agrees' if agree else 'DISAGREES'} with the direct harness on a buggy "
                     f"submission ({row.auto_score:g} vs {expected['expected_buggy_score']:g}/{row.auto_max:g})"
                     + ("" if agree else f"; status: {row.status}"))
    return lines, ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("labs", nargs="*", help="lab ids (default: every lab)")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per mutant and variant")
    ap.add_argument("--no-nbgrader", action="store_true", help="skip the end-to-end nbgrader run per lab")
    args = ap.parse_args(argv)
    ok, start = True, time.perf_counter()
    labs = args.labs or lab_ids()
    unknown = sorted(set(labs) - set(lab_ids()))
    if unknown:
        ap.error(f"unknown lab(s) {', '.join(unknown)}; the labs are {', '.join(lab_ids())}")
    for lab in labs:
        try:
            text, good = verdicts(lab, args.jobs, args.verbose)
        except harness.PatchError as exc:
            text, good = f"{lab}: zoo does not apply: {exc}", False
        print(text, flush=True)
        ok &= good
    if not args.no_nbgrader:
        lines, agree = nbgrader_agreement(labs, args.jobs)
        print("\n".join(lines), flush=True)
        ok &= agree
    print(f"mutation run took {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
