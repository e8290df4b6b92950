"""What the NumPy-vs-PyTorch benchmarks share: their options, the BLAS thread limit and FLOP rates.

Imported by ``bench_lab02_torch.py`` and ``bench_lab07_torch.py`` (run as scripts from this folder).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def add_common_args(ap: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``--threads`` (the same for both sides) and ``--seed``."""
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                    help="BLAS threads for NumPy and intra-op threads for PyTorch (same for both)")
    ap.add_argument("--seed", type=int, default=0)
    return ap


def thread_limit(n: int) -> AbstractContextManager:
    """Limit NumPy's BLAS to ``n`` threads (threadpoolctl when installed)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    return threadpool_limits(limits=n, user_api="blas")


def best_rate(step: Callable[[], object], flops: float, seconds: float = 1.0) -> float:
    """FLOP/s of ``step`` (doing ``flops`` operations), best of five windows: a floor is what the
    products *can* do, so the fastest window (least disturbed by other load) is the one that counts."""
    step()
    best = 0.0
    for _ in range(5):
        reps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 5:
            step()
            reps += 1
        best = max(best, flops * reps / (time.perf_counter() - start))
    return best


def torch_and_reference(lab: str, threads: int) -> tuple[Any, dict] | None:
    """(the torch module set to ``threads`` threads, the lab's reference solution namespace), or
    None after saying how to install PyTorch (an optional extra)."""
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: pip install -e .[bench]  (CPU build, torch==2.13.0)")
        return None
    sys.path.insert(0, str(ROOT))
    from autograder.harness import solution_namespace  # the reference itself, not a copy
    torch.set_num_threads(threads)
    return torch, solution_namespace(lab)
