"""``make release``: regenerate the student release ``labs/`` from ``solutions/``.

nbgrader's ``generate_assignment`` strips solutions and hidden tests from notebooks and
locks test cells, but copies other files verbatim; student modules such as Lab 01's
``model.py`` are therefore stubbed with the same rule (a ``### BEGIN SOLUTION`` region
becomes ``raise NotImplementedError()``) and the list of graded cells students validate
against (``.graded-cells.json``) is written next to the notebook.  Both happen inside
nbgrader's own ``generate_assignment``, as its last preprocessor
(``autograder.nbgrader_course.StudentRelease``, configured for every nbgrader command), so
``make release`` and a TA's ``nbgrader generate_assignment`` produce the same files.  The
gradebook nbgrader needs while generating is a throw-away SQLite file here, so releasing
never touches the course gradebook.  Output is deterministic: the same sources give
byte-identical files.
"""
from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from pathlib import Path

from . import notebooks
from .config import course_config
from .paths import LABS, ROOT, lab_ids


class ReleaseError(RuntimeError):
    pass


def generate(lab: str, dest: Path, db_url: str) -> None:
    """Run nbgrader generate_assignment for ``lab`` into ``dest/lab`` with gradebook ``db_url``."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    c = course_config(ROOT)
    c.CourseDirectory.release_directory = str(dest)
    c.CourseDirectory.db_url = db_url
    c.GenerateAssignment.create_assignment = True
    api = NbGraderAPI(CourseDirectory(config=c), config=c)
    result = api.generate_assignment(lab, force=True, create=True)
    if not result["success"]:
        raise ReleaseError(f"nbgrader generate_assignment {lab} failed:\n{result.get('log')}\n{result.get('error')}")


def stub_student_files(source_lab: Path, lab_release: Path) -> None:
    """Replace solution regions in the released copies of the lab's student modules."""
    for rel in notebooks.student_files(Path(source_lab)):
        path = Path(lab_release) / rel
        if path.is_file():
            path.write_text(notebooks.stub_solutions(path.read_text()))


def release_lab(lab: str, dest: Path, db_url: str) -> Path:
    """The complete student release of ``lab`` in ``dest/lab``, recorded in gradebook ``db_url``."""
    out = Path(dest) / lab
    if out.exists():
        shutil.rmtree(out)
    generate(lab, Path(dest), db_url)   # stubs and manifest included (nbgrader_course.StudentRelease)
    for cache in out.rglob("__pycache__"):
        shutil.rmtree(cache)
    leaks = find_leaks(out)
    if leaks:
        raise ReleaseError(f"{lab}: release still contains solution or hidden-test markers: {leaks}")
    return out


def release(labs: list[str], dest: Path = LABS) -> None:
    dest = Path(dest).resolve()
    with tempfile.TemporaryDirectory(prefix="nnlab-release-") as tmp:
        for lab in labs:
            release_lab(lab, dest, f"sqlite:///{Path(tmp, 'gradebook.db')}")


def write_manifest(released_nb: dict, folder: Path) -> Path:
    """The graded cells the release promises, for ``python -m nnlab.validate`` on the student side."""
    import json

    from nnlab.validate import MANIFEST, manifest
    path = Path(folder) / MANIFEST
    path.write_text(json.dumps(manifest(released_nb), indent=1, sort_keys=True) + "\n")
    return path


def find_leaks(folder: Path) -> list[str]:
    """Files under ``folder`` that still contain solution or hidden-test markers."""
    markers = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
    return sorted(str(p) for p in folder.rglob("*") if p.is_file()
                  and any(m in p.read_text(errors="replace") for m in markers))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Regenerate the student release from solutions/")
    ap.add_argument("labs", nargs="*", help="lab ids (default: every lab)")
    ap.add_argument("--dest", type=Path, default=LABS, help="release folder (default: labs/)")
    args = ap.parse_args(argv)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    labs = args.labs or lab_ids()
    try:
        release(labs, args.dest)
    except ReleaseError as exc:
        print(f"release failed: {exc}", file=sys.stderr)
        return 1
    print(f"released {len(labs)} lab(s) into {args.dest}: {', '.join(labs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
