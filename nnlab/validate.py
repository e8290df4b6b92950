"""Check a lab notebook before you submit it: ``python -m nnlab.validate labs/lab01-regression/lab01-regression.ipynb``.

``nbgrader validate`` says "Success!" even when a graded cell was deleted (it then scores 0).
This check never does: it compares your notebook with the list of graded cells the release
ships (``.graded-cells.json`` next to the notebook) and reports every graded cell that is
missing, duplicated or edited, with exit status 1.  It reads notebooks as plain JSON, so it
needs nothing but Python.

The grader uses the same comparison (``autograder.integrity``), so what this reports is
what the grader will report.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

MANIFEST = ".graded-cells.json"


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _meta(cell: dict) -> dict:
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def graded_cells(nb: dict) -> list[tuple[str, dict]]:
    """(grade_id, cell) of every cell nbgrader tracks (tests, answers, locked cells), in order."""
    return [(_meta(c)["grade_id"], c) for c in nb.get("cells", [])
            if _meta(c).get("grade_id") and (_meta(c).get("grade") or _meta(c).get("locked") or _meta(c).get("solution"))]


def _digest(text: str) -> str:
    return hashlib.sha256(text.strip().encode()).hexdigest()


def manifest(released: dict) -> dict:
    """What a released notebook promises: its graded cells, and a hash of each locked one."""
    cells = []
    for gid, cell in graded_cells(released):
        m = _meta(cell)
        locked = bool(m.get("locked")) and not m.get("solution")
        cells.append({"grade_id": gid, "points": m.get("points", 0), "locked": locked,
                      "sha256": _digest(_source(cell)) if locked else None})
    return {"cells": cells}


def findings(submitted: dict, promised: dict) -> list[str]:
    """Human-readable findings, empty when the notebook kept every graded cell as released."""
    sub = graded_cells(submitted)
    expected = [c["grade_id"] for c in promised["cells"]]
    by_id = {c["grade_id"]: c for c in promised["cells"]}
    counts = Counter(gid for gid, _ in sub)
    out = []
    deleted = [gid for gid in expected if counts[gid] == 0]
    if deleted:
        out.append("deleted graded cell(s) " + ", ".join(deleted) + " (re-added from the release and graded)")
    dup = sorted(gid for gid, n in counts.items() if n > 1)
    if dup:
        out.append("duplicated cell(s) " + ", ".join(dup) + " (only the first copy is graded)")
    first = {}
    for gid, cell in sub:
        first.setdefault(gid, cell)
    edited = [gid for gid, cell in first.items()
              if gid in by_id and by_id[gid]["locked"] and _digest(_source(cell)) != by_id[gid]["sha256"]]
    if edited:
        out.append("edited locked cell(s) " + ", ".join(edited) + " (restored from the source before grading)")
    order = [gid for gid in first if gid in by_id]
    if order != [g for g in expected if g in first]:
        out.append("graded cells re-ordered")
    unknown = sorted(gid for gid in first if gid not in by_id)
    if unknown:
        out.append("unknown graded cell id(s) " + ", ".join(unknown) + " (ignored)")
    return out


SERIOUS = ("deleted", "duplicated", "edited")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m nnlab.validate", description=__doc__.splitlines()[0])
    ap.add_argument("notebook", type=Path)
    ap.add_argument("--manifest", type=Path, help=f"default: {MANIFEST} next to the notebook")
    args = ap.parse_args(argv)
    path = args.manifest or args.notebook.parent / MANIFEST
    try:
        submitted = json.loads(args.notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"NOT VALID: cannot read {args.notebook} as a notebook: {exc}")
        return 1
    try:
        promised = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        print(f"cannot check: the list of graded cells {path} is missing or unreadable ({exc})")
        return 2
    found = findings(submitted, promised)
    for f in found:
        print(("PROBLEM: " if f.startswith(SERIOUS) else "note: ") + f)
    if any(f.startswith(SERIOUS) for f in found):
        print("NOT VALID: restore the cells above from the released notebook before submitting "
              "(they are restored anyway when grading, and tampering is reported)")
        return 1
    print(f"structure ok: all {len(promised['cells'])} graded cells present and unedited. "
          f"Now restart the kernel and run all cells to see your visible tests pass.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
