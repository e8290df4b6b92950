"""Check a LaTeX log for problems a successful pdflatex run does not stop on.

    python3 check_log.py build/report.log                  # problems only
    python3 check_log.py --complete build/report.log       # ... and any placeholder

Exits 1 and lists the offending lines if the log reports an undefined reference or
citation, a label defined twice, a file that was not found, or references that are not yet
resolved ("Rerun to get cross-references right"); with ``--complete``, also a figure or result
that was not generated.  Used by ``make -C report check`` / ``make -C report complete`` and by
``tests/test_report.py``.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

PROBLEMS = [
    (re.compile(r"Reference `[^']*' on page \d+ undefined"), "undefined reference"),
    (re.compile(r"There were undefined references"), "undefined references"),
    (re.compile(r"Citation `[^']*' on page \d+ undefined"), "undefined citation"),
    (re.compile(r"There were undefined citations"), "undefined citations"),
    (re.compile(r"Label `[^']*' multiply defined"), "label defined twice"),
    (re.compile(r"File `[^']*' not found"), "missing file"),
    (re.compile(r"! LaTeX Error: File"), "missing file"),
    (re.compile(r"No file [^\s]+\.(?:tex|pdf|png|jpg|sty)\b"), "missing file"),
    (re.compile(r"Rerun to get cross-references right"), "unresolved cross-references"),
    (re.compile(r"^! ", re.M), "LaTeX error"),
]
# A figure or result the labs have not produced yet (written by \labfigureplaceholder, \labresult).
PLACEHOLDER = (re.compile(r"^Placeholder: "), "placeholder")


def problems(log_text: str, placeholders: bool = False) -> list[str]:
    """Every problem line of ``log_text`` as ``"<kind>: <line>"`` (empty when the log is clean).

    ``placeholders``: also count a figure or result that was not generated (``make report``
    demands a complete report; the student template is made of placeholders).
    """
    found = []
    patterns = PROBLEMS + ([PLACEHOLDER] if placeholders else [])
    for line in log_text.splitlines():
        for pattern, kind in patterns:
            if pattern.search(line):
                found.append(f"{kind}: {line.strip()}")
                break
    return found


def main(argv: list[str]) -> int:
    complete = "--complete" in argv
    argv = [a for a in argv if a != "--complete"]
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: python3 check_log.py build/report.log", file=sys.stderr)
        return 2
    path = Path(argv[1])
    if not path.exists():
        print(f"check_log: {path} does not exist: build the report first (make -C report)", file=sys.stderr)
        return 1
    # LaTeX logs are not always valid UTF-8 (hyphenation dumps, font names).
    found = problems(path.read_text(encoding="utf-8", errors="replace"), placeholders=complete)
    if found:
        print(f"check_log: {path} reports {len(found)} problem(s):", file=sys.stderr)
        for line in found:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"check_log: {path}: no undefined references or citations, no missing files"
          + (", no placeholders" if complete else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
