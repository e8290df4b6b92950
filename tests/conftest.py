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
