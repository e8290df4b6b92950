"""Where in the student's code an exception was raised: the line a message can quote.

"sgd_update raised KeyError: 'dW1'" leaves the student to find the line; quoting it
("at `p -= lr * grads['d' + k]` in sgd_update") names it.  The innermost frame of the
traceback that is the student's own code is taken: notebook cells and the submission's
modules, not NumPy, the standard library, nnlab or the grader (a shape error raised deep
inside np.pad is reported at the student's call of np.pad).

Runs in the kernel; the text is the student's own code, shown back to that student only
(escaped like every other student string before it reaches a page).
"""
from __future__ import annotations

import linecache
import os
import sys
import types
from pathlib import Path

#: Longest quoted line (a student's line can be very long; the start says which one it is).
MAX_LINE = 160


def _foreign_roots() -> tuple[str, ...]:
    """Folders whose code is not the student's: the interpreter, installed packages, our packages
    (nnlab only when the notebook imported it: no nnlab frame can be on the stack otherwise)."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(__file__).resolve().parent.parent)}
    nnlab_file = getattr(sys.modules.get("nnlab"), "__file__", None)
    if isinstance(nnlab_file, str):
        roots.add(str(Path(nnlab_file).resolve().parent))
    return tuple(os.path.join(os.path.realpath(r), "") for r in roots if r)


def _is_student(code: types.CodeType, foreign: tuple[str, ...]) -> bool:
    name = code.co_filename
    if name.startswith("<"):
        return name.startswith("<cell")            # the direct harness's cells; not <frozen ...>, <string>
    return not os.path.realpath(name).startswith(foreign)


def student_line(exc: BaseException) -> dict | None:
    """{"function", "line"} of the student frame of ``exc``'s traceback that raised it, or None.

    The innermost student frame, except for a RecursionError: where the limit strikes within a
    cycle of calls depends on how deep the stack already was (a kernel and the direct harness
    differ), so the line quoted is the entry into the cycle, the outermost student frame whose
    function calls itself again further in.
    """
    foreign = _foreign_roots()
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        if _is_student(tb.tb_frame.f_code, foreign):
            frames.append((tb.tb_frame.f_code, tb.tb_lineno))
        tb = tb.tb_next
    if not frames:
        return None
    code, lineno = frames[-1]
    if isinstance(exc, RecursionError):
        codes = [c for c, _ in frames]
        code, lineno = next((f for i, f in enumerate(frames) if f[0] in codes[i + 1:]), frames[-1])
    line = linecache.getline(code.co_filename, lineno).strip()
    if not line:
        return None
    if len(line) > MAX_LINE:
        line = line[:MAX_LINE - 3] + "..."
    return {"function": code.co_name[:60], "line": line}
