"""Student-controlled text made safe for a terminal, a CSV file and the gradebook.

File names, exception messages, notes and ids come from submissions.  Before any of them
reaches ``status``, ``summary.txt``, the terminal, ``grades.csv`` or the gradebook:

* :func:`one_line` shows every control character as an escape (``\\n``, ``\\x1b``, ``\\u202e``),
  so a newline cannot forge another student's line and an ANSI sequence cannot move the
  TA's cursor or recolour the screen; the text is also length-capped;
* :func:`csv_cell` additionally defuses spreadsheet formulas: a cell starting with
  ``= + - @`` (or a tab or carriage return) gets a leading apostrophe.
HTML is escaped by the code that writes it (the dashboard, nbconvert's templates).
"""
from __future__ import annotations

import unicodedata

#: Formatting characters that reorder or hide text (bidi overrides, zero-width joiners...).
_INVISIBLE = {"Cf", "Zl", "Zp"}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _escape(ch: str) -> str:
    if ch == "\n":
        return "\\n"
    if ch == "\t":
        return "\\t"
    if ch == "\r":
        return "\\r"
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text: object, limit: int = 500) -> str:
    """``text`` on one line with control and formatting characters escaped, at most ``limit`` chars."""
    s = str(text)
    out = []
    for ch in s:
        cat = unicodedata.category(ch)
        out.append(_escape(ch) if cat == "Cc" or cat in _INVISIBLE else ch)
    joined = "".join(out)
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"


def csv_cell(value: object) -> object:
    """A CSV-safe version of a string cell (other values unchanged)."""
    if not isinstance(value, str):
        return value
    s = one_line(value, limit=2000)
    return "'" + s if s.startswith(_FORMULA) else s
