"""Integrity checks nbgrader does not make, comparing a submission with the *release*.

nbgrader restores edited locked cells silently (and, with hidden tests, warns about every
untouched submission, because it compares with the source), and a deleted test cell simply
scores 0 with no message.  Comparing with the released notebook instead gives exact,
named findings; grading then re-adds deleted cells (``OverwriteCells.add_missing_cells``)
and restores edited ones from the source.
"""
from __future__ import annotations

from nnlab import validate

from .notebooks import nbgrader_meta


def findings(submitted, released) -> list[str]:
    """Human-readable findings (empty when the submission kept the release's structure).

    The comparison itself lives in the student package (``nnlab.validate``), so the check
    students run before submitting and the grader's report are the same by construction.
    """
    return validate.findings(submitted, validate.manifest(released))


def deduplicate(nb) -> bool:
    """Keep the first copy of each graded cell; later copies become ordinary cells.  True if changed.

    nbgrader's own DeduplicateIds keeps the *last* copy and leaves an empty ``nbgrader``
    metadata dict on the others, which then crashes ``OverwriteCells.add_missing_cells``
    (KeyError 'grade_id'): one duplicated cell failed the whole submission.
    """
    seen, changed = set(), False
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if not gid:
            continue
        if gid in seen:
            cell.metadata.pop("nbgrader", None)
            changed = True
        seen.add(gid)
    return changed


def main(argv=None) -> int:
    """``python -m autograder.integrity NOTEBOOK --release RELEASED``: the student-side check,
    against any released notebook (students run ``python -m nnlab.validate NOTEBOOK``)."""
    import argparse
    import json
    import tempfile
    from pathlib import Path

    ap = argparse.ArgumentParser(prog="python -m autograder.integrity")
    ap.add_argument("notebook")
    ap.add_argument("--release", required=True, help="the released notebook the student started from")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        promised = Path(tmp, validate.MANIFEST)
        promised.write_text(json.dumps(validate.manifest(json.loads(Path(args.release).read_text()))))
        return validate.main([args.notebook, "--manifest", str(promised)])


if __name__ == "__main__":
    raise SystemExit(main())
