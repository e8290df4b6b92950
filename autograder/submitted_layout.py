"""The class as nbgrader's own tools expect it: ``<out>/submitted/<student>/<lab>/``.

formgrader counts and lists submissions from the *submitted* folder
(``CourseDirectory.submitted_directory``, ``build/submitted`` in ``nbgrader_config.py``),
and shows a submission as autograded only when ``build/autograded/<student>/<lab>/`` exists
and the gradebook's timestamp equals that of ``submitted/…/timestamp.txt``.  ``make grade``
reads the class from anywhere and grades each submission in a scratch course, so without
this step formgrader listed 0 submissions.  :func:`publish` copies every submission found by
``autograder.collect`` into that layout (the notebook under its expected name, as graded),
so ``nbgrader formgrader``, ``nbgrader generate_feedback`` and a later plain
``nbgrader autograde`` see the same class ``make grade`` graded.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from .collect import Submission

#: Files of a submission nbgrader itself would not collect.
IGNORED = ("__pycache__", ".ipynb_checkpoints", "*.pyc")


def submitted_dir(out: Path, student: str, lab: str) -> Path:
    """nbgrader's folder for one submission under the build folder ``out``."""
    return Path(out) / "submitted" / student / lab


def publish_one(sub: Submission, out: Path) -> Path | None:
    """Copy one submission into the submitted layout; None when there is nothing to copy.

    A notebook graded under another name (``Submission.notebook``) is stored under
    ``<lab>.ipynb``, the name nbgrader looks for.  A class folder that already *is* the
    submitted layout is left as it is.
    """
    if sub.folder is None or not Path(sub.folder).is_dir() or Path(sub.folder).is_symlink():
        return None
    if sub.problem and sub.problem.startswith("refused"):
        return None   # links, devices, FIFOs: never copied, never followed
    dest = submitted_dir(out, sub.student, sub.lab)
    if dest.resolve() == Path(sub.folder).resolve():
        return dest
    tmp = dest.with_name(f".{dest.name}.publishing")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(sub.folder, tmp, symlinks=True, ignore=shutil.ignore_patterns(*IGNORED))
    expected = tmp / f"{sub.lab}.ipynb"
    if sub.notebook and sub.notebook != expected.name and not expected.exists():
        (tmp / sub.notebook).rename(expected)
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    return dest


def publish(subs: list[Submission], out: Path) -> int:
    """Copy every submission (graded or not, refused ones excepted) into ``<out>/submitted``;
    returns how many were copied.  A submission that cannot be copied is skipped: it costs
    that submission's formgrader listing, never the class's run."""
    copied = 0
    for sub in subs:
        try:
            copied += publish_one(sub, out) is not None
        except (OSError, shutil.Error):
            shutil.rmtree(submitted_dir(out, sub.student, sub.lab).with_name(f".{sub.lab}.publishing"),
                          ignore_errors=True)
    return copied
