"""Every change this course makes to a library's behaviour, in one place, checked against the
versions it was written for (a different version fails loudly instead of silently grading wrong).

1. ``nbgrader.converters.Autograde.init_assignment`` copies a submission's files into the
   autograded folder with ``shutil.copy``, which follows symbolic links, as the grading user,
   before any preprocessor runs: a link to another student's folder, to ``solutions/`` or to
   the gradebook would be copied in and handed to the kernel.  Patched to refuse a submission
   holding anything but plain files and folders (links, devices, FIFOs), or a student folder
   that is itself a link; nbgrader then reports that submission as failed and grades the rest.
2. nbconvert compiles its Jinja templates in every process; :func:`template_cache` gives the
   pipeline's workers one bytecode cache for the run.
"""
from __future__ import annotations

import os
import stat

NBGRADER = "0.9.6"
_applied = False


class UnsafeSubmission(Exception):
    """A submission holds a link, a device or a FIFO (or is a link): not graded."""


def check_folder(folder: str | os.PathLike) -> None:
    """Raise :class:`UnsafeSubmission` unless ``folder`` is a real folder of plain files and folders."""
    folder = str(folder)
    if os.path.islink(folder):
        raise UnsafeSubmission("the submission folder is a symbolic link")
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            mode = os.lstat(os.path.join(root, name)).st_mode
            if stat.S_ISLNK(mode):
                kind = "a symbolic link"
            elif stat.S_ISREG(mode) or stat.S_ISDIR(mode):
                if stat.S_ISREG(mode) and os.lstat(os.path.join(root, name)).st_nlink > 1:
                    kind = "a hard link"
                else:
                    continue
            else:
                kind = "a device, socket or FIFO"
            rel = os.path.relpath(os.path.join(root, name), folder)
            raise UnsafeSubmission(f"{rel!r} is {kind}")


def apply() -> None:
    """Install the patches (idempotent)."""
    global _applied
    if _applied:
        return
    import nbgrader
    if nbgrader.__version__ != NBGRADER:
        raise RuntimeError(f"autograder/patches.py was written for nbgrader {NBGRADER}, found "
                           f"{nbgrader.__version__}: review the patches, then update NBGRADER")
    from nbgrader.converters import Autograde

    original = Autograde.init_assignment

    def init_assignment(self, assignment_id: str, student_id: str) -> None:
        check_folder(self._format_source(assignment_id, student_id))
        original(self, assignment_id, student_id)

    Autograde.init_assignment = init_assignment
    _applied = True


def template_cache(folder: str) -> None:
    """Compile nbconvert's templates once per run, not once per unit (~0.6 s each).

    Jinja's bytecode cache, in a folder private to the run; entries are keyed by the template
    source, so an edited template is recompiled.
    """
    from jinja2 import FileSystemBytecodeCache
    from nbconvert.exporters.templateexporter import TemplateExporter

    os.makedirs(folder, mode=0o700, exist_ok=True)
    cache, create = FileSystemBytecodeCache(folder), TemplateExporter._create_environment

    def with_cache(self):
        env = create(self)
        env.bytecode_cache = cache
        return env
    TemplateExporter._create_environment = with_cache  # type: ignore[method-assign]


__all__ = ["UnsafeSubmission", "apply", "check_folder", "template_cache"]
