"""What the sandbox stopped, read back from an autograded notebook (for the unit's status)."""
from __future__ import annotations

from pathlib import Path

from .limits import MAX_OUTPUT

TRUNCATED = "output truncated by the grader after"


#: Errors that, raised by a cell outside the tests, mean the sandbox or a cap stopped something:
#: they are named in the unit's status so the TA sees who tried what.
EVENT_ERRORS = {"MemoryError", "PermissionError", "FileNotFoundError", "BlockingIOError", "ConnectionError",
                "ConnectionRefusedError", "gaierror", "TimeoutError", "OSError", "ProcessLookupError"}


def _event(output) -> str | None:
    ename, evalue = output.get("ename", ""), str(output.get("evalue", ""))
    if ename in ("KeyboardInterrupt", "CellTimeoutError"):
        return "interrupted at the time limit"
    if ename in EVENT_ERRORS or (ename == "RuntimeError" and "grading sandbox" in evalue) or \
            (ename in ("ImportError", "ModuleNotFoundError") and "not allowed in this lab" in evalue):
        return f"{ename}: {evalue[:80]}"
    return None


def output_notes(notebook_path) -> list[str]:
    """Notes read from the autograded notebook: cells whose output the grader truncated, and
    cells outside the tests stopped by the sandbox, a cap or the time limit (named)."""
    import nbformat

    from ..notebooks import nbgrader_meta
    path = Path(notebook_path)
    if not path.exists():
        return []
    nb = nbformat.read(str(path), as_version=4)
    cut, events = [], []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        outs = cell.get("outputs", [])
        if any(TRUNCATED in "".join(o.get("text", "")) for o in outs if o.get("output_type") == "stream"):
            cut.append(str(i + 1))
        if nbgrader_meta(cell).get("grade"):
            continue   # a test cell's error is its verdict, reported per cell already
        for o in outs:
            if o.get("output_type") == "error" and _event(o):
                events.append(f"cell {i + 1} {_event(o)}")
                break
            if o.get("output_type") == "stream" and "MemoryError" in "".join(o.get("text", ""))[-20000:]:
                events.append(f"cell {i + 1} MemoryError (the kernel hit its memory cap, e.g. flooding output)")
                break
    notes = [f"output of cell(s) {', '.join(cut)} truncated (over {MAX_OUTPUT} bytes)"] if cut else []
    if events:
        notes.append("stopped: " + "; ".join(events[:5]))
    return notes
