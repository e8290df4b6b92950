"""How the notebook is being run: by a student, or by the autograder."""
from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")

#: True while nbgrader autogrades (it sets ``NBGRADER_EXECUTION=autograde``): heavy cells
#: shrink their budget so a submission grades in seconds; graded checks never depend on it.
AUTOGRADING = os.environ.get("NBGRADER_EXECUTION") == "autograde"


def budget(full: T, grading: T) -> T:
    """``full`` for students, ``grading`` under the autograder (epochs, samples, sweeps...)."""
    return grading if AUTOGRADING else full


def progress(iterable: Iterable[T], **kwargs) -> Iterable[T]:
    """A tqdm progress bar (notebook widget or text), silent while autograding."""
    from tqdm.auto import tqdm
    kwargs.setdefault("disable", AUTOGRADING)
    kwargs.setdefault("dynamic_ncols", True)
    return tqdm(iterable, **kwargs)


def blas_threads(n: int):
    """Context manager: matrix products (BLAS) use at most ``n`` threads inside the block.

    Small products (a few hundred rows by a few hundred columns) gain little from a second
    thread, and on a machine whose cores are busy, BLAS threads that wait for each other can
    make them several times slower. Without threadpoolctl it changes nothing.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        import contextlib
        return contextlib.nullcontext()
    return threadpool_limits(limits=n, user_api="blas")
