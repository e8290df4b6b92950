"""Running edited copies of a student's function: the kernel half of "which one change fixes it".

When a hidden check finds wrong values it can ask which single edit of the student's own
function (``np.log1p`` for ``np.log``, ``axis=0`` for ``axis=1``, ``out`` for ``x``...) gives
the right ones.  The judge writes the edited sources (``autograder/judge/repair.py``); the
kernel compiles each one beside the original, in the original's globals, calls it on fresh
copies of the arguments that gave the wrong values, and sends back the output the check
compared.  The kernel never sees the expected values: the judge decides which edit fits.

Nothing here changes the student's namespace or objects: an edited function is defined in a
dictionary of its own, a method is bound to a deep copy of its object, arguments are deep
copies, and NumPy's and ``random``'s global generators are restored afterwards, so later
cells run exactly as they would have.
"""
from __future__ import annotations

import copy
import inspect
import random
import textwrap
import time
import types
import warnings
from typing import Any

import numpy as np

#: Longest source the judge is sent (a graded function is a few dozen lines).
MAX_SOURCE = 4000
#: Most edited copies one request runs, and the wall time it may take.
MAX_VARIANTS = 400
BUDGET_SECONDS = 3.0


def source_of(fn: Any) -> str | None:
    """The dedented source of a student function or bound method, or None (a builtin, a closure,
    a lambda, code whose source is not known, or too long to be worth editing)."""
    func = fn.__func__ if isinstance(fn, types.MethodType) else fn
    if not isinstance(func, types.FunctionType) or func.__code__.co_freevars or func.__name__ == "<lambda>":
        return None
    try:
        text = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return None
    return text if len(text) <= MAX_SOURCE else None


def _pick(result: Any, path: Any) -> Any:
    for key in path:
        result = result[key]
    if isinstance(result, (np.ndarray, np.generic, float, int)):
        return result
    return None


def run_variants(fn: Any, sources: Any, path: Any, args: list, kwargs: dict) -> list:
    """``[output at path of variant(*args, **kwargs)]`` for each source (None where it failed to
    compile or raised, or once the time budget is spent).  Each source is a ``def`` of the
    function's name."""
    if not isinstance(sources, list) or len(sources) > MAX_VARIANTS or not isinstance(path, list) \
            or not all(isinstance(s, str) and len(s) <= 2 * MAX_SOURCE for s in sources):
        raise ValueError("bad variants request")
    method = isinstance(fn, types.MethodType)
    func = fn.__func__ if method else fn
    if not isinstance(func, types.FunctionType):
        raise ValueError("not a function")
    np_state, py_state = np.random.get_state(), random.getstate()
    started = time.perf_counter()
    out: list = []
    try:
        for text in sources:
            if time.perf_counter() - started > BUDGET_SECONDS:
                out.append(None)
                continue
            out.append(_one(func, fn.__self__ if method else None, method, text, path, args, kwargs))
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    return out


def _one(func: types.FunctionType, owner: Any, method: bool, text: str, path: list, args: list,
         kwargs: dict) -> Any:
    try:
        space: dict = {}
        exec(compile(text, f"<edited {func.__name__}>", "exec"), func.__globals__, space)  # noqa: S102
        edited = space.get(func.__name__)
        if not isinstance(edited, types.FunctionType):
            return None
        call = types.MethodType(edited, copy.deepcopy(owner)) if method else edited
        a, k = copy.deepcopy(args), copy.deepcopy(kwargs)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return _pick(call(*a, **k), path)
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 - an edit may break the code in any way, exit included
        return None
