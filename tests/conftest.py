"""Shared fixtures: the course paths and a graded sample class (built once per session)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# Synthetic MNIST archives and a loopback mirror (tests/mnist_fixtures.py).
pytest_plugins = ["mnist_fixtures"]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def labs():
    from autograder.paths import lab_ids
    return lab_ids()


# The lab test modules (tests/test_labNN*.py) name their lab in a module constant LAB.
@pytest.fixture(scope="module")
def ns(request):
    """The lab's setup and solution cells, executed once per test module (a name -> object dict)."""
    from autograder import harness
    return harness.solution_namespace(request.module.LAB)


@pytest.fixture(scope="module")
def nb(request):
    """The lab's source notebook (solutions/), read once per test module."""
    from autograder import notebooks
    from autograder.paths import source_notebook
    return notebooks.read(source_notebook(request.module.LAB))
