"""Feedback without the hidden tests.

nbgrader's feedback HTML is rendered from the autograded notebook, which holds the hidden
test code (restored from the source).  This preprocessor, registered in
``GenerateFeedback.preprocessors``, cuts the hidden regions from test cells and reduces
errors to their message (the judge's verdict, written for the student).
"""
from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from ..notebooks import BEGIN_HIDDEN, is_graded_test, strip_hidden

HIDDEN_NOTE = "# (hidden tests ran here; their verdict is shown below)"


def redact_cell(cell) -> None:
    """Remove hidden tests from one graded test cell, in place."""
    if BEGIN_HIDDEN in cell.source:
        cell.source = strip_hidden(cell.source) + "\n" + HIDDEN_NOTE
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            # The traceback quotes hidden-test lines; keep only the message.
            out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]


class HideHiddenTests(Preprocessor):
    # nbgrader registers feedback preprocessors without enabling them; nbconvert's default is off.
    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if is_graded_test(cell):
            redact_cell(cell)
        return cell, resources
