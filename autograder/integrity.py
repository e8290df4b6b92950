"""Integrity checks nbgrader does not make, comparing a submission with the *release*.

nbgrader restores edited locked cells silently (and, with hidden tests, warns about every
untouched submission, because it compares with the source), and a deleted test cell simply
scores 0 with no message.  Comparing with the released notebook instead gives exact,
named findings; grading then re-adds deleted cells (``OverwriteCells.add_missing_cells``)
and restores edited ones from the source.
"""
from __future__ import annotations

from collections import Counter

from .notebooks import nbgrader_meta


def _graded(nb) -> list[tuple[str, object]]:
    return [(nbgrader_meta(c)["grade_id"], c) for c in nb.cells
            if nbgrader_meta(c).get("grade_id") and (nbgrader_meta(c).get("grade") or nbgrader_meta(c).get("locked")
                                                      or nbgrader_meta(c).get("solution"))]


def findings(submitted, released) -> list[str]:
    """Human-readable findings (empty when the submission kept the release's structure)."""
    sub, rel = _graded(submitted), _graded(released)
    rel_ids = [gid for gid, _ in rel]
    rel_cells = dict(rel)
    counts = Counter(gid for gid, _ in sub)
    out = []
    deleted = [gid for gid in rel_ids if counts[gid] == 0]
    if deleted:
        out.append("deleted graded cell(s) " + ", ".join(deleted) + " (re-added from the release and graded)")
    dup = sorted(gid for gid, n in counts.items() if n > 1)
    if dup:
        out.append("duplicated cell(s) " + ", ".join(dup) + " (only the first copy is graded)")
    edited = []
    seen = set()
    for gid, cell in sub:
        if gid in seen or gid not in rel_cells:
            continue
        seen.add(gid)
        ref = rel_cells[gid]
        if nbgrader_meta(ref).get("locked") and not nbgrader_meta(ref).get("solution") \
                and cell.source.strip() != ref.source.strip():
            edited.append(gid)
    if edited:
        out.append("edited locked cell(s) " + ", ".join(edited) + " (restored from the source before grading)")
    order = [gid for gid in dict.fromkeys(g for g, _ in sub) if gid in rel_cells]
    if order != [g for g in rel_ids if g in order]:
        out.append("graded cells re-ordered")
    unknown = sorted({gid for gid, _ in sub if gid not in rel_cells})
    if unknown:
        out.append("unknown graded cell id(s) " + ", ".join(unknown) + " (ignored)")
    return out


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
    """``python -m autograder.integrity NOTEBOOK --release RELEASED``: the check students lack.

    ``nbgrader validate`` says "Success!" when a graded cell was deleted; this never does:
    it lists every finding and exits 1 when a graded cell is missing, duplicated or edited.
    """
    import argparse

    import nbformat

    ap = argparse.ArgumentParser(prog="python -m autograder.integrity", description=main.__doc__.split("\n")[0])
    ap.add_argument("notebook")
    ap.add_argument("--release", required=True, help="the released notebook the student started from")
    args = ap.parse_args(argv)
    try:
        submitted = nbformat.read(args.notebook, as_version=4)
    except Exception as exc:  # invalid JSON, not a notebook
        print(f"NOT VALID: cannot read {args.notebook}: {type(exc).__name__}: {exc}")
        return 1
    released = nbformat.read(args.release, as_version=4)
    found = findings(submitted, released)
    serious = [f for f in found if f.startswith(("deleted", "duplicated", "edited"))]
    for f in found:
        print(("PROBLEM: " if f in serious else "note: ") + f)
    if serious:
        print(f"NOT VALID: restore the cells above from {args.release} before submitting")
        return 1
    print(f"structure ok: all {len(_graded(released))} graded cells present and unedited "
          f"(run `nbgrader validate` to run the visible tests)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
