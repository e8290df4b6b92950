"""autograder: the instructor-only side of the course (hidden checks, bug zoo, grading pipeline).

Never shipped to students.  See docs/architecture.md for the data flow.
"""
import os
import sys

# nbgrader runs the `alembic` executable when it creates a gradebook; it lives next to this
# interpreter in the virtualenv, which need not be on PATH (e.g. `.venv/bin/python -m ...`).
_bin = os.path.dirname(sys.executable)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")
