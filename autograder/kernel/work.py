"""Counting the work a call does, in function calls: a measure that does not depend on the machine's load.

The judge's one-change search (``autograder/judge/repair.py``) re-runs a student call hundreds of
times with edited copies of its code.  Whether that is affordable, and when an edited copy that
runs away must be stopped, used to be decided by the clock; on a loaded machine the same
submission then lost the story of its mistake (measured in CI: one zoo message in 466).  Here the
work is the number of function calls (Python functions and C functions alike: a NumPy call counts
one) made while the call runs, counted by ``sys.setprofile``: the same code on the same inputs
makes the same count on any machine, so the message a student reads no longer depends on load.

Counting costs a Python callback per call, so a meter stops counting (and gets out of the way) as
soon as its count passes its ``cap``: a training loop is known to be heavy after its first
hundred thousand calls, not after its last.
"""
from __future__ import annotations

import sys
from types import FrameType
from typing import Any

#: Calls counted before a call is known to be heavy (the judge never re-runs one that heavy).
CAP = 100_000


class WorkExceeded(BaseException):
    """Raised inside an edited copy that made more calls than it was allowed (a runaway loop).

    A BaseException, like KeyboardInterrupt, so that ``except Exception`` in the copy does not
    swallow it."""


class Meter:
    """Counts the function calls made inside a ``with`` block.

    ``cap``: stop counting past this (``over`` is then True and ``count`` is ``cap + 1``).
    ``stop``: instead, raise WorkExceeded in the running code once the count passes ``cap``.
    Any profile function the student's code installed is put back afterwards."""

    def __init__(self, cap: int = CAP, *, stop: bool = False):
        self.cap, self.stop = cap, stop
        self.count = 0
        self.over = False
        self._previous: Any = None

    def __enter__(self) -> "Meter":
        self._previous = sys.getprofile()
        sys.setprofile(self._tick)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(self._previous)

    @property
    def work(self) -> int | None:
        """The count, or None when the cap was passed (heavier than anything the judge re-runs)."""
        return None if self.over else self.count

    def _tick(self, frame: FrameType, event: str, arg: Any) -> None:
        if event != "call" and event != "c_call":
            return
        self.count += 1
        if self.count > self.cap:
            self.over = True
            sys.setprofile(self._previous)        # heavy: known, nothing more to count
            if self.stop:
                raise WorkExceeded(f"more than {self.cap} calls")
