"""nbgrader configuration of the course (instructor side).

The course folder is this repository: source notebooks live in ``solutions/``, the
student release is ``labs/`` (committed), and everything grading produces goes under
``build/`` (git-ignored).  ``make grade`` drives nbgrader through ``autograder.pipeline``,
which reuses this file and overrides the folders per submission.  nbgrader's own commands,
run in this folder, get the course's additions (``autograder/nbgrader_course.py``; README,
"Grading with nbgrader's own commands").
"""
import os

from autograder.config import course_config

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file
c.merge(course_config(os.path.dirname(os.path.abspath(__file__))))
