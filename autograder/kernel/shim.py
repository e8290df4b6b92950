"""``autograder.checks.labNN`` as the student's kernel sees it: every check is a request to the judge.

The grader binds this file into the sandbox (and the mutation harness installs it in its
child process) under the name of the lab's checks module, so the hidden-test line
``_checks.linear_backward(Linear)`` hands ``Linear`` to the judge instead of running an
oracle here.  The real checks never enter the kernel.
"""
from autograder.kernel.evaluator import remote_check as _remote_check

_LAB = __name__.rsplit(".", 1)[-1]


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    return _remote_check(f"{_LAB}.{name}")
