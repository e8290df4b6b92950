"""Numbers quoted from a run must be the numbers the run saved.

A model answer (a markdown cell of a solution notebook) that quotes a number produced by the lab's
own run marks it with the result key it comes from, right after the number:

    the loss swings by a factor of about 7<!-- result: swing_last500 --> over the last 500 epochs
    cross-entropy reaches 53 %<!-- result: wrong_start_ce_acc_16 --> after 16 steps

(an HTML comment: invisible in Jupyter, stripped from the release with the rest of the answer).
A bound on a number that varies from run to run (a time, or a run at a learning rate so large that
rounding differences between CPUs grow until the numbers differ) ends with ``>`` or ``<``: "more than
10<!-- result: gd_online_over_mini_seconds > -->" means the saved value is above 10.
The key is one the notebook saves with ``nnlab.report.save_results`` (``report/results/<lab>.json``).
The quoted number agrees when it equals the saved value to the precision it is written with
(one unit of its last digit: 0.0116 means 0.0115 to 0.0117; 1.9e-03 means 1.8e-03 to 2.0e-03).
A ``%`` or ``points`` (percentage points, for a difference of accuracies) after the number means the
saved fraction times 100.
A number that is noisy but not chaotic (the final accuracy of a sane run, which moves by a fraction of a
point from one CPU to another) states the margin it holds to with ``~``: "about 86 %<!-- result:
val_acc_adam ~1.5 -->" agrees when the saved value is within 1.5 (in the units of the quoted number,
here percentage points) of 86. Write the number with the precision that margin leaves meaningful.

The report never types a run's number: it prints them with ``\\labresult{<lab>}{<key>}`` and
``\\resultrow{<key>}``, whose keys must all be saved by the notebooks.

    python -m autograder.quotes        # lists every disagreement (exit 1) after ``make figures``
"""
from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .paths import ROOT, lab_ids, source_notebook

MARKER = re.compile(r"(?P<number>[-+−]?\d+(?:[.,]\d+)?(?:[eE][-+−]?\d+)?)\s*(?P<unit>%|×|points)?\s*"
                    r"<!--\s*result:\s*(?P<key>[A-Za-z0-9][A-Za-z0-9_.:-]*)\s*"
                    r"(?:(?P<op>[<>])|~\s*(?P<tol>\d+(?:\.\d+)?))?\s*-->")
LATEX_RESULT = re.compile(r"\\labresult\{(?P<lab>[^}]*)\}\{(?P<key>[^}]*)\}")
LATEX_TABLE = re.compile(r"\\begin\{labresults\}\{(?P<lab>[^}]*)\}(?P<body>.*?)\\end\{labresults\}", re.DOTALL)
LATEX_ROW = re.compile(r"\\resultrow\{(?P<key>[^}]*)\}")


@dataclass(frozen=True)
class Quote:
    lab: str
    where: str          # "cell <id>" or "sections/labNN.tex"
    key: str
    text: str = ""      # the number as written ("" for a LaTeX macro, which cannot disagree)
    unit: str = ""
    op: str = ""        # "" (equal to the written precision), ">" or "<" (the saved value is above / below)
    tol: str = ""       # "1.5" for ``~1.5``: within 1.5 of the quoted number ("" : one unit of its last digit)


def notebook_quotes(lab: str) -> list[Quote]:
    """Every marked number in the markdown cells of ``lab``'s source notebook."""
    cells = json.loads(source_notebook(lab).read_text(encoding="utf-8"))["cells"]
    found = []
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for m in MARKER.finditer(source):
            found.append(Quote(lab, f"cell {cell.get('id', '?')}", m["key"], m["number"], m["unit"] or "",
                               m["op"] or "", m["tol"] or ""))
    return found


def report_quotes(report: Path = ROOT / "report") -> list[Quote]:
    """Every result key the report's sections print (``\\labresult``, ``\\resultrow``)."""
    found = []
    for tex in sorted((report / "sections").glob("*.tex")):
        text = tex.read_text(encoding="utf-8")
        where = str(tex.relative_to(report))
        found += [Quote(m["lab"], where, m["key"]) for m in LATEX_RESULT.finditer(text)]
        for table in LATEX_TABLE.finditer(text):
            found += [Quote(table["lab"], where, m["key"]) for m in LATEX_ROW.finditer(table["body"])]
    return found


def _number(text: str) -> float:
    return float(text.replace("−", "-").replace(",", "."))


def _unit_of_last_digit(text: str) -> float:
    digits, _, exponent = text.replace("−", "-").replace(",", ".").lower().partition("e")
    unit = 10.0 ** -len(digits.split(".")[1]) if "." in digits else 1.0
    return unit * 10.0 ** int(exponent or 0)


def disagreement(quote: Quote, results: Mapping[str, Any]) -> str | None:
    """Why ``quote`` disagrees with ``results`` (the lab's saved results), or None."""
    if quote.key not in results:
        return f"{quote.lab}, {quote.where}: key {quote.key!r} is not saved by the notebook " \
               f"(saved: {', '.join(sorted(results)) or 'nothing'})"
    if not quote.text:
        return None
    value = results[quote.key]
    try:
        value = float(value)
    except (TypeError, ValueError):
        return f"{quote.lab}, {quote.where}: {quote.text}{quote.unit} quotes {quote.key!r}, which is not a number " \
               f"({value!r})"
    if quote.unit in ("%", "points") and abs(value) <= 1.0:
        value *= 100.0
    quoted = _number(quote.text)
    if quote.op:
        if (value > quoted) != (quote.op == ">"):
            return f"{quote.lab}, {quote.where}: the text says {quote.key} {quote.op} {quote.text}{quote.unit} but " \
                   f"the run saved {value:.6g}{quote.unit}"
        return None
    margin = float(quote.tol) if quote.tol else _unit_of_last_digit(quote.text)
    if abs(quoted - value) > margin * (1 + 1e-9):
        within = f" (within {quote.tol})" if quote.tol else ""
        return f"{quote.lab}, {quote.where}: the text says {quote.text}{quote.unit}{within} but the run saved " \
               f"{quote.key} = {value:.6g}{quote.unit}"
    return None


def saved_results(lab: str, report: Path = ROOT / "report") -> dict[str, Any]:
    path = report / "results" / f"{lab}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def disagreements(labs: list[str] | None = None, report: Path = ROOT / "report") -> list[str]:
    """Every quoted number (model answers and report) that does not match the saved results."""
    labs = labs or lab_ids()
    quotes = [q for lab in labs for q in notebook_quotes(lab)]
    quotes += [q for q in report_quotes(report) if q.lab in labs]
    results = {lab: saved_results(lab, report) for lab in labs}
    return [problem for q in quotes if (problem := disagreement(q, results.get(q.lab, {})))]


def main(argv=None) -> int:
    labs = list(argv if argv is not None else sys.argv[1:]) or None
    problems = disagreements(labs)
    for problem in problems:
        print(problem)
    counts = {lab: len(notebook_quotes(lab)) for lab in (labs or lab_ids())}
    per_lab = ", ".join(f"{lab.split('-')[0]} {n}" for lab, n in counts.items())
    print(f"quotes: {sum(counts.values())} numbers quoted in model answers ({per_lab}), "
          f"{len(problems)} disagreement(s) with the saved results")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
