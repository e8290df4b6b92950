"""The nbgrader configuration, as code, so the CLI and the pipeline share one definition."""
from __future__ import annotations

import os
from pathlib import Path

from traitlets.config import Config

#: Per-cell limit (nbgrader's own knob; ``ExecutePreprocessor.timeout`` is ignored by it).
CELL_TIMEOUT = int(os.environ.get("NNLAB_CELL_TIMEOUT", "120"))


def gradebook_url(root: Path) -> str:
    """``NNLAB_GRADEBOOK_URL`` (e.g. postgresql://...) or an SQLite file under build/."""
    return os.environ.get("NNLAB_GRADEBOOK_URL") or f"sqlite:///{Path(root, 'build', 'gradebook.db')}"


def course_config(root: str | Path, student_files: dict[str, list[str]] | None = None) -> Config:
    """Configuration for the course folder ``root`` (the repository)."""
    from .notebooks import student_files as find_student_files
    from .paths import lab_ids

    root = Path(root)
    c = Config()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.course_id = "nn-course"
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "labs"
    c.CourseDirectory.submitted_directory = "build/submitted"
    c.CourseDirectory.autograded_directory = "build/autograded"
    c.CourseDirectory.feedback_directory = "build/feedback"
    c.CourseDirectory.db_url = gradebook_url(root)
    # No shared exchange by default (releases are published as a repository): keep nbgrader's
    # exchange inside the course build folder instead of /usr/local/share.
    c.Exchange.root = str(root / "build" / "exchange")
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]
    # Students edit these .py files: autograde must not overwrite them with the solution.
    if student_files is None:
        student_files = {lab: find_student_files(root / "solutions" / lab) for lab in lab_ids()}
    c.Autograde.exclude_overwriting = student_files
    c.Execute.timeout = CELL_TIMEOUT
    c.Execute.kernel_name = "python3"
    # Re-add graded cells a student deleted, so they are graded instead of silently lost.
    c.OverwriteCells.add_missing_cells = True
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    # Keep runaway output out of the gradebook and the feedback.
    c.LimitOutput.max_lines = 200
    c.LimitOutput.max_traceback = 50
    # The kernel only computes; the judge, in this process, decides each graded cell (see
    # autograder/preprocessors/judged_execute.py).  Sandboxed unless NNLAB_SANDBOX=0 (loudly).
    c.Autograde.autograde_preprocessors = [
        "autograder.preprocessors.JudgedExecute",
        "autograder.preprocessors.SanitizeStudentContent",
        "nbgrader.preprocessors.IgnorePattern",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput",
        "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.GenerateFeedback.exporter_class = "autograder.feedback.FeedbackExporter"   # see its docstring
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.GetGrades",
        "autograder.preprocessors.HideHiddenTests",
        "autograder.preprocessors.SanitizeStudentContent",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]
    from . import patches
    patches.apply()
    # nbgrader's own commands made safe on this course (generate_assignment = make release, ...).
    from .nbgrader_course import configure as make_nbgrader_commands_safe
    make_nbgrader_commands_safe(c)
    return c
