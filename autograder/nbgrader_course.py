"""What the course adds to nbgrader's own commands, so a TA following nbgrader's documentation is safe.

Loaded through ``nbgrader_config.py`` (``autograder.config.course_config`` calls
:func:`configure`), so ``nbgrader generate_assignment``, ``nbgrader autograde``, formgrader
and the pipeline all run with it:

* :class:`StudentRelease`, the last preprocessor of ``GenerateAssignment``: nbgrader copies
  the lab's other files verbatim, which put Lab 01's full solution into ``labs/…/model.py``
  and (``--force`` removes the folder first) deleted ``.graded-cells.json``.  This stubs the
  solution regions of the student modules, writes the manifest and refuses (nbgrader then
  removes the half-made folder) if a solution or hidden-test marker is left.  So
  ``nbgrader generate_assignment LAB --force`` writes exactly what ``make release`` writes.
* :class:`OverwriteCellsAgainstRelease` replaces nbgrader's ``OverwriteCells`` in
  ``Autograde.sanitize_preprocessors``: it still restores every locked cell from the source
  (that is how hidden tests come back), but warns only when the student's cell differs from
  the *release* (the same comparison as ``autograder.integrity`` / ``nnlab.validate``),
  not from the source, whose hidden tests made nbgrader warn on every untouched test cell.
* The SQLite gradebook's folder (``build/``) is created, so the first nbgrader command of
  a fresh clone does not fail with "unable to open database file" (after ``--force`` had
  already removed the lab's release folder).
"""
from __future__ import annotations

from pathlib import Path

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells

from .notebooks import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    strip_hidden,
)

__all__ = ["OverwriteCellsAgainstRelease", "StudentRelease", "configure"]

_MARKERS = tuple(m.lstrip("# ") for m in (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN))


def _converter(preprocessor):
    """The nbgrader converter running ``preprocessor`` (its exporter's parent)."""
    node = preprocessor.parent
    while node is not None and getattr(node, "coursedir", None) is None:
        node = node.parent
    if node is None:
        raise RuntimeError(f"{type(preprocessor).__name__} must run inside an nbgrader converter")
    return node


class StudentRelease(NbGraderPreprocessor):
    """Finish the student release of a lab inside ``generate_assignment`` (see the module docstring).

    Runs last, when nbgrader has copied the lab's other files into the release folder and the
    notebook is in its released form (written right after this preprocessor).
    """

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        from . import release

        coursedir = _converter(self).coursedir
        lab = resources["nbgrader"]["assignment"]
        source = Path(coursedir.format_path(coursedir.source_directory, ".", lab))
        dest = Path(coursedir.format_path(coursedir.release_directory, ".", lab))
        dest.mkdir(parents=True, exist_ok=True)   # a lab of one notebook has no folder yet
        release.stub_student_files(source, dest)
        release.write_manifest(nb, dest)
        leaks = release.find_leaks(dest) + [f"{resources['nbgrader']['notebook']}.ipynb cell {i}"
                                            for i, c in enumerate(nb.cells)
                                            if any(m in c.source for m in _MARKERS)]
        if leaks:   # nbgrader removes the release folder of a failed assignment
            raise RuntimeError(f"release of {lab} still holds solution or hidden-test markers in {leaks}; "
                               f"nothing was released (use `make release`)")
        return nb, resources


class OverwriteCellsAgainstRelease(OverwriteCells):
    """nbgrader's ``OverwriteCells`` whose "checksum has changed" warning means a real edit.

    The released version of a locked cell is its source without the hidden-test regions (what
    ``generate_assignment`` leaves of it; tests/test_nbgrader_course.py checks this against
    ``labs/``).  A student's cell equal to it up to surrounding whitespace (the comparison of
    ``nnlab.validate``) is restored from the source silently; any other is restored with a
    warning naming the cell.  Changes of cell type, lock or points keep nbgrader's warnings.
    """

    _edited = False   # whether the cell being processed differs from the release

    def preprocess_cell(self, cell, resources, cell_index):
        self._edited = self._differs_from_release(cell)
        return super().preprocess_cell(cell, resources, cell_index)

    def _differs_from_release(self, cell) -> bool:
        from nbgrader.api import MissingEntry

        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is None:
            return False
        try:
            source = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
        except MissingEntry:
            return False
        return bool(source.locked) and cell.source.strip() != strip_hidden(source.source).strip()

    def report_change(self, name, attr, old, new):
        if attr != "checksum":
            super().report_change(name, attr, old, new)
        elif self._edited:
            self.log.warning("Locked cell %s was edited by the student (it differs from the released "
                             "notebook); grading uses the original.", name)
        else:
            self.log.debug("Locked cell %s as released; hidden tests restored from the source", name)


def configure(c) -> None:
    """Add the course's safety to nbgrader's configuration ``c`` (idempotent; see module docstring)."""
    from nbgrader.converters import Autograde, GenerateAssignment

    pre = list(c.GenerateAssignment.preprocessors) if "preprocessors" in c.GenerateAssignment else \
        list(GenerateAssignment.class_traits()["preprocessors"].default())
    c.GenerateAssignment.preprocessors = [p for p in pre if p is not StudentRelease] + [StudentRelease]
    sanitize = list(c.Autograde.sanitize_preprocessors) if "sanitize_preprocessors" in c.Autograde else \
        list(Autograde.class_traits()["sanitize_preprocessors"].default())
    c.Autograde.sanitize_preprocessors = [OverwriteCellsAgainstRelease if p is OverwriteCells or
                                          p == "nbgrader.preprocessors.OverwriteCells" else p for p in sanitize]
    url = str(c.CourseDirectory.db_url) if "db_url" in c.CourseDirectory else ""
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
