"""The course's nbgrader preprocessors, selected in ``nbgrader_config.py`` (autograder/config.py).

Like nbgrader's own ``preprocessors/`` package, one concern per module:

* :mod:`.judged_execute` - ``JudgedExecute``: run the notebook in the sandbox and let the judge,
  outside the kernel, decide every graded test cell (replaces nbgrader's ``Execute``);
* :mod:`.sanitize` - ``SanitizeStudentContent``: no scripts, event handlers or ``javascript:``
  URLs in what formgrader and the feedback pages render;
* :mod:`.hide_hidden` - ``HideHiddenTests``: feedback without the hidden-test code.

``nbgrader autograde``, formgrader's Autograde button and ``make grade`` all run these.
"""
from .hide_hidden import HideHiddenTests
from .judged_execute import JudgedExecute
from .sanitize import SanitizeStudentContent

__all__ = ["HideHiddenTests", "JudgedExecute", "SanitizeStudentContent"]
