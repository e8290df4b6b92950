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

from .work import Meter

#: Longest source the judge is sent (a graded function is a few dozen lines).
MAX_SOURCE = 4000
#: Most edited copies one request runs, and the most function calls the judge may allow one copy
#: (kernel/work.py: a copy past its limit is stopped; counts, unlike a clock, do not depend on load).
MAX_VARIANTS = 400
MAX_LIMIT = 10_000_000
#: A safety net only, never reached by code that leaves the meter in place: code that replaces
#: sys.setprofile cannot be stopped by a count, so a request stops starting copies after this long
#: (on the monotonic clock; nothing else here reads a clock).
SAFETY_SECONDS = 60.0


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


#: A method call's objects are copied before the call only while copies stay this small (objects copied,
#: bytes of arrays): after one larger copy (a large graph), no more are taken in that check.  Sizes, not
#: a clock: a copy timed on a loaded machine would have stopped the snapshots of the same submission.
SNAPSHOT_OBJECTS = 2_000
SNAPSHOT_BYTES = 16 * 2 ** 20
#: Snapshots kept per check (the newest calls).
SNAPSHOTS = 64


class Snapshots:
    """Copies of (object, arguments) taken just before the judge's method calls, by call number.

    A method that updates its object (``self.b.grad += ...``, ``p.data -= ...``) cannot be re-run
    on the object as it is after the call: the re-run would add a second update.  The copy taken
    before lets an edited method run from the same state; its deep-copy memo says which copy
    stands for which original object (a parameter the check reads afterwards)."""

    def __init__(self, keep: Any):
        self.kept: dict[int, tuple[tuple, dict]] = {}
        self.keep = keep                 # objects copied as themselves (the judge's lent mocks)
        self.count = 0
        self.enabled = True

    def take(self, fn: Any, args: list, kwargs: dict) -> int | None:
        """Copy a bound method's object and arguments; the snapshot's number, or None."""
        if not self.enabled or not isinstance(fn, types.MethodType):
            return None
        memo = {id(k): k for k in self.keep()}
        lent = len(memo)
        try:
            state = copy.deepcopy((fn.__self__, args, kwargs), memo)
        except Exception:  # noqa: BLE001 - an object that cannot be copied has no snapshot
            return None
        if len(memo) - lent > SNAPSHOT_OBJECTS or \
                sum(v.nbytes for v in memo.values() if isinstance(v, np.ndarray)) > SNAPSHOT_BYTES:
            self.enabled = False
        self.count += 1
        self.kept[self.count] = (state, memo)
        self.kept.pop(self.count - SNAPSHOTS, None)
        return self.count

    def state(self, number: Any, root: Any) -> tuple[Any, list, dict, Any]:
        """A fresh copy of snapshot ``number``: (object, args, kwargs, the copy of ``root``)."""
        if type(number) is not int or number not in self.kept:
            raise ValueError("no such snapshot")
        (owner, args, kwargs), memo = self.kept[number]
        if root is not None and id(root) not in memo:
            raise ValueError("the object read is not reachable from the call")
        base = memo[id(root)] if root is not None else None
        fresh = {id(k): k for k in self.keep()}
        owner2, args2, kwargs2, root2 = copy.deepcopy((owner, args, kwargs, base), fresh)
        return owner2, args2, kwargs2, root2


def settings_of(fn: Any) -> list[str]:
    """The names of a bound method's object's numeric attributes (``lr``, ``weight_decay``): what a
    hard-coded constant in the method may stand for."""
    owner = getattr(fn, "__self__", None) if isinstance(fn, types.MethodType) else None
    try:
        items = list(vars(owner).items()) if owner is not None else []
    except TypeError:
        return []
    return [k for k, v in items if isinstance(k, str) and k.isidentifier() and type(v) in (int, float)][:40]


def _pick(value: Any, path: Any) -> Any:
    for kind, key in path:
        value = getattr(value, key) if kind == "attr" else value[key]
    if isinstance(value, (np.ndarray, np.generic, float, int)):
        return value
    return None


def _checked(sources: Any, path: Any, limit: Any) -> None:
    if type(limit) is not int or not 0 < limit <= MAX_LIMIT:
        raise ValueError("bad variants request")
    if not isinstance(sources, list) or len(sources) > MAX_VARIANTS or not isinstance(path, list) \
            or not all(isinstance(s, str) and len(s) <= 2 * MAX_SOURCE for s in sources) \
            or not all(isinstance(p, list) and len(p) == 2 and p[0] in ("attr", "item") for p in path) \
            or not all(p[0] == "item" or isinstance(p[1], str) and p[1].isidentifier() for p in path):
        raise ValueError("bad variants request")


def run_variants(fn: Any, sources: Any, path: Any, args: list, kwargs: dict, *, limit: Any,
                 snapshots: Snapshots | None = None, snapshot: Any = None, root: Any = None,
                 raised: bool = False) -> list:
    """``[value at path]`` for each edited source of ``fn`` (a ``def`` of the function's name), None where
    one failed to compile, raised, or made more than ``limit`` function calls (a runaway edit).

    The value is read from the call's result, or, with ``snapshot``, from the copy of ``root`` (an
    object the judge read after the call) in a fresh copy of the state before that call.  ``raised``: the
    student's call raised, so only its result was ever compared: a method that also accumulates into its
    parameters' gradients gets no edit (none could be shown to leave them right)."""
    _checked(sources, path, limit)
    method = isinstance(fn, types.MethodType)
    func = fn.__func__ if method else fn
    if not isinstance(func, types.FunctionType):
        raise ValueError("not a function")
    np_state, py_state = np.random.get_state(), random.getstate()
    started = time.monotonic()
    out: list = []
    try:
        for text in sources:
            if time.monotonic() - started > SAFETY_SECONDS:
                out.append(None)
                continue
            if snapshot is not None and snapshots is not None:
                try:
                    owner, a, k, base = snapshots.state(snapshot, root)
                except Exception:  # noqa: BLE001 - state that cannot be copied again: no re-run
                    out.append(None)
                    continue
            else:
                keep = {id(k): k for k in snapshots.keep()} if snapshots is not None else {}
                owner, a, k, base = copy.deepcopy((fn.__self__ if method else None, args, kwargs, None), keep)
            out.append(_one(func, owner, method, text, path, a, k, base, limit, raised))
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    return out


def _one(func: types.FunctionType, owner: Any, method: bool, text: str, path: list, args: list,
         kwargs: dict, root: Any, limit: int, raised: bool = False) -> Any:
    try:
        space: dict = {}
        exec(compile(text, f"<edited {func.__name__}>", "exec"), func.__globals__, space)  # noqa: S102
        edited = space.get(func.__name__)
        if not isinstance(edited, types.FunctionType):
            return None
        call = types.MethodType(edited, owner) if method else edited
        held = _parameters(owner, args, kwargs)
        if raised and held:
            return None
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            with Meter(limit, stop=True):
                result = call(*args, **kwargs)
            if any(_mismatched(p) for p in held):
                return None     # the value fits, but a gradient no longer has its parameter's shape
            return _pick(result if root is None else root, path)
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 - an edit may break the code in any way, exit included
        return None


def _parameters(owner: Any, args: list, kwargs: dict) -> list:
    """Objects holding a ``data`` array and a ``grad`` array of the same shape (a parameter), reachable from the
    method's object (its attributes, and lists of them) or the arguments: an edit that makes the compared value
    right while giving such a gradient another shape (``p.grad = np.outer(...)`` for ``+=``) is no fix."""
    found: list = []
    def visit(obj: Any, depth: int) -> None:
        if len(found) > 64 or depth > 2:
            return
        if isinstance(obj, (list, tuple)):
            for item in obj[:64]:
                visit(item, depth + 1)
            return
        attrs = getattr(obj, "__dict__", None)
        if not isinstance(attrs, dict):
            return
        data, grad = attrs.get("data"), attrs.get("grad")
        if isinstance(data, np.ndarray) and isinstance(grad, np.ndarray) and data.shape == grad.shape:
            found.append(obj)
        elif depth < 2:
            for value in list(attrs.values())[:64]:
                visit(value, depth + 1)
    for obj in [owner, *args, *kwargs.values()]:
        visit(obj, 0)
    return found


def _mismatched(param: Any) -> bool:
    data, grad = getattr(param, "data", None), getattr(param, "grad", None)
    return isinstance(data, np.ndarray) and isinstance(grad, np.ndarray) and data.shape != grad.shape
