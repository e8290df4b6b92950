"""nnlab.runtime: the grading budget and the BLAS thread limit."""
from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info

from nnlab import runtime


def _blas_threads() -> list[int]:
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def test_blas_threads_limits_inside_the_block_only():
    np.ones((2, 2)) @ np.ones((2, 2))                # make sure the BLAS library is loaded
    before = _blas_threads()
    assert before, "numpy's BLAS should be visible to threadpoolctl"
    with runtime.blas_threads(1):
        assert _blas_threads() == [1] * len(before)
    assert _blas_threads() == before


def test_budget_follows_the_grading_flag(monkeypatch):
    monkeypatch.setattr(runtime, "AUTOGRADING", True)
    assert runtime.budget(10, 1) == 1
    monkeypatch.setattr(runtime, "AUTOGRADING", False)
    assert runtime.budget(10, 1) == 10
