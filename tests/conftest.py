"""Shared fixtures: the course paths and a graded sample class (built once per session)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def labs():
    from autograder.paths import lab_ids
    return lab_ids()
