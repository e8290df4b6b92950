"""Send a lab's key figures and numbers to the course report (``report/``).

>>> save_figure(fig, "lab01-regression", "fit")            # report/figures/lab01-regression/fit.pdf
>>> save_results("lab01-regression", {"test_mse": 0.0123}) # report/results/lab01-regression.{json,tex}

The report folder is ``$NNLAB_REPORT_DIR`` if set, else the ``report/`` folder (one holding
``report.tex``) found by walking up from the working directory. Both functions do nothing and
return ``None`` while the autograder runs (``nnlab.runtime.AUTOGRADING``) or when no report
folder is found, so notebooks can call them unconditionally.

Outputs are deterministic (no timestamps in the PDF, stable JSON) and files are only rewritten
when their content changes, so re-running a notebook does not churn git.

The ``.tex`` file holds one line per result, ``\\labresultdef{<lab_id>}{<key>}{<value>}``, for the
report to typeset.
"""
from __future__ import annotations

import io
import json
import math
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["save_figure", "save_results"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


def _report_dir() -> Path | None:
    """The report folder, or None (autograding, or no report/ above the working directory)."""
    from . import runtime

    if runtime.AUTOGRADING:
        return None
    env = os.environ.get("NNLAB_REPORT_DIR")
    if env:
        return Path(env).expanduser()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "report" / "report.tex").is_file():
            return folder / "report"
    return None


def _check_name(value: str, what: str, pattern: re.Pattern = _NAME) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise ValueError(f"{what} must be letters, digits, '-', '_' or '.' (no spaces or slashes), got {value!r}")
    return value


def _write_if_changed(path: Path, data: bytes) -> Path:
    """Atomically write ``data`` unless ``path`` already holds exactly it (keeps mtimes stable)."""
    if path.is_file() and path.read_bytes() == data:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp creates the file 0600; give it the usual mode for the user's umask.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def _fit_print_width(figure) -> None:
    """Shrink a figure wider than the report's text to ``nnlab.plotting.PRINT_WIDTH`` inches.

    Text keeps its size in points, so once the report includes every figure at its natural size
    all fonts come out alike; the layout is recomputed for the new size.
    """
    from .plotting import PRINT_WIDTH

    width, height = figure.get_size_inches()
    if width <= PRINT_WIDTH + 1e-6:
        return
    figure.set_size_inches(PRINT_WIDTH, height * PRINT_WIDTH / width)
    if figure.get_layout_engine() is None:
        try:
            figure.tight_layout()
        except (ValueError, RuntimeError):   # a layout tight_layout cannot handle: keep it as drawn
            pass


def save_figure(fig, lab_id: str, name: str) -> Path | None:
    """Save ``fig`` (a matplotlib ``Figure``, or ``Axes``) as ``report/figures/<lab_id>/<name>.pdf``.

    Vector PDF without creation date, so identical figures give identical bytes. A figure wider
    than the report's text (``nnlab.plotting.PRINT_WIDTH``) is first shrunk to that width, so the
    report can print every figure at its natural size with the same font sizes.
    Returns the path written, or ``None`` when autograding / no report folder.
    """
    _check_name(lab_id, "lab_id")
    _check_name(name, "name")
    root = _report_dir()
    if root is None:
        return None
    figure = getattr(fig, "figure", None) if not hasattr(fig, "savefig") else fig
    if figure is None or not hasattr(figure, "savefig"):
        raise TypeError(f"save_figure needs a matplotlib Figure or Axes, got {type(fig).__name__}")
    _fit_print_width(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="pdf", bbox_inches="tight", metadata={"CreationDate": None})
    return _write_if_changed(root / "figures" / lab_id / f"{name}.pdf", buffer.getvalue())


def figure_path(lab_id: str, name: str, suffix: str = ".pdf") -> Path | None:
    """Where a figure made by another tool (graphviz, ...) should be written for the report:
    ``report/figures/<lab_id>/<name><suffix>``, with its folder created.

    Returns ``None`` when autograding or when no report folder is found (write nothing then).
    """
    _check_name(lab_id, "lab_id")
    _check_name(name, "name")
    root = _report_dir()
    if root is None:
        return None
    path = root / "figures" / lab_id / f"{name}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------

def _plain(value: Any, key: str) -> Any:
    """JSON-compatible version of a result value (numpy scalars/arrays, NaN -> None)."""
    if isinstance(value, np.ndarray):
        return [_plain(v, key) for v in value.tolist()] if value.ndim else _plain(value.item(), key)
    if isinstance(value, np.generic):
        return _plain(value.item(), key)
    if isinstance(value, (list, tuple)):
        return [_plain(v, key) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"result {key!r}: cannot store a {type(value).__name__}; use numbers, strings, "
                    f"booleans or lists of them (one key per number)")


def _format_number(value: float | int) -> str:
    """Readable LaTeX for a number: ints as is, floats with 4 significant digits."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e4:
        return str(int(value))
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:.4g}"
    mantissa, exponent = f"{value:.3e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"${mantissa}\\times 10^{{{int(exponent)}}}$"


def _escape(text: str) -> str:
    """Escape %, _, & and # outside $...$ math, leaving already-escaped ones alone."""
    parts = re.split(r"(?<!\\)(\$[^$]*(?<!\\)\$)", text)
    out = []
    for part in parts:
        if part.startswith("$") and part.endswith("$") and len(part) >= 2:
            out.append(part)
        else:
            out.append(re.sub(r"(?<!\\)([%_&#])", r"\\\1", part))
    return "".join(out)


def _format_value(value: Any) -> str:
    if value is None:
        return "--"
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, list):
        return ", ".join(_format_value(v) for v in value)
    return _format_number(value)


def save_results(lab_id: str, results: Mapping[str, Any]) -> Path | None:
    """Record a lab's key numbers in ``report/results/<lab_id>.json`` and ``.tex``.

    Args:
        lab_id: e.g. ``"lab02-ffnn-mnist"``.
        results: key -> number, string (already formatted text is kept, with ``%``, ``_``, ``&``
            and ``#`` escaped outside ``$...$``), boolean, or a list of those. Keys are letters,
            digits, ``-``, ``_``, ``.``, ``:``.

    Keys are merged into an existing file (a later call updates or adds keys; delete the file
    to start over). The ``.tex`` file has one ``\\labresultdef{<lab_id>}{<key>}{<value>}`` line
    per key, floats with 4 significant digits. Returns the JSON path, or ``None`` when
    autograding / no report folder.
    """
    _check_name(lab_id, "lab_id")
    if not isinstance(results, Mapping):
        raise TypeError(f"results must be a dict of key -> value, got {type(results).__name__}")
    plain = {_check_name(k, "result key", _KEY): _plain(v, k) for k, v in results.items()}
    root = _report_dir()
    if root is None:
        return None
    json_path = root / "results" / f"{lab_id}.json"
    merged: dict[str, Any] = {}
    if json_path.is_file():
        try:
            merged = json.loads(json_path.read_text(encoding="utf-8"))
        except ValueError:
            merged = {}  # a broken file is replaced rather than blocking the notebook
    merged.update(plain)
    text = json.dumps(merged, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    _write_if_changed(json_path, text.encode("utf-8"))
    lines = [f"\\labresultdef{{{lab_id}}}{{{key}}}{{{_format_value(value)}}}" for key, value in merged.items()]
    _write_if_changed(root / "results" / f"{lab_id}.tex", ("\n".join(lines) + "\n").encode("utf-8"))
    return json_path
