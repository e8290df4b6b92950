"""The adversarial class (autograder/adversarial.py), graded end to end in the sandbox.

Each hostile or broken lab01 submission must get exactly the per-cell scores its honest
code deserves, with the named reason in its status; honest students graded alongside keep
their clean-run grades; the course folder and the home folder are unchanged.  A few
minutes on 2 cores (small caps: 10 s per cell, 2 GB per kernel process).
"""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_adversarial_class_is_graded_as_expected():
    run = subprocess.run([sys.executable, "-m", "autograder.adversarial", "--jobs", "2"],
                         capture_output=True, text=True, timeout=1200)
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    assert lines, run.stderr[-3000:]
    last = lines[-1]
    report = "\n".join(line for line in lines if line.startswith(("FAIL", "  problem")))
    m = re.fullmatch(r"adversarial: (\d+)/(\d+) graded as expected, honest students unchanged, "
                     r"course folder unchanged", last)
    assert m, f"{last}\n{report}\n{run.stderr[-2000:]}"
    assert m.group(1) == m.group(2) and int(m.group(2)) >= 24, f"{last}\n{report}"
    assert run.returncode == 0, report
