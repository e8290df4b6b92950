"""The student release: up to date, deterministic, and free of solutions and hidden tests."""
import filecmp
from pathlib import Path

import pytest

from autograder import notebooks, release
from autograder.paths import LABS, SOLUTIONS, lab_ids

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory):
    dest = tmp_path_factory.mktemp("release")
    release.release(lab_ids(), dest)
    return dest


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("lab", lab_ids())
def test_committed_release_is_not_stale(lab, fresh_release):
    """labs/ must be exactly what `make release` produces from solutions/ today."""
    committed, fresh = LABS / lab, fresh_release / lab
    assert committed.is_dir(), f"labs/{lab} missing: run `make release`"
    assert _files(committed) == _files(fresh), f"labs/{lab} has other files than a fresh release: run `make release`"
    stale = [f for f in _files(fresh) if not filecmp.cmp(committed / f, fresh / f, shallow=False)]
    assert not stale, f"labs/{lab} is stale ({stale}): run `make release` and commit it"


def test_release_is_deterministic(fresh_release, tmp_path):
    lab = lab_ids()[0]
    release.release([lab], tmp_path)
    for f in _files(fresh_release / lab):
        assert (tmp_path / lab / f).read_bytes() == (fresh_release / lab / f).read_bytes(), f


def _split_solutions(text: str) -> tuple[list[str], list[str]]:
    """(stripped lines inside solution regions, lines outside them)."""
    inside_lines, outside_lines, inside = [], [], False
    for line in text.split("\n"):
        s = line.strip()
        if s == notebooks.BEGIN_SOLUTION:
            inside = True
        elif s == notebooks.END_SOLUTION:
            inside = False
        else:
            (inside_lines if inside else outside_lines).append(s if inside else line)
    return inside_lines, outside_lines


def _solution_lines(text: str) -> list[str]:
    """Substantial lines inside solution regions (what must never reach students)."""
    return [s for s in _split_solutions(text)[0] if len(s) > 25 and not s.startswith("#")]


@pytest.mark.parametrize("lab", lab_ids())
def test_release_holds_no_solution_and_no_hidden_test(lab):
    assert release.find_leaks(LABS / lab) == []
    released = "\n".join(p.read_text() for p in (LABS / lab).rglob("*") if p.is_file())
    release_nb = notebooks.read(LABS / lab / f"{lab}.ipynb")
    released_lines = {line.strip() for text in [c.source for c in release_nb.cells] + [
        (LABS / lab / rel).read_text() for rel in notebooks.student_files(SOLUTIONS / lab)]
        for line in text.split("\n")}
    source_nb = notebooks.read(SOLUTIONS / lab / f"{lab}.ipynb")
    sources = [c.source for c in source_nb.cells] + [
        (SOLUTIONS / lab / rel).read_text() for rel in notebooks.student_files(SOLUTIONS / lab)]
    # Lines that also stand outside solution regions (provided code) are not leaks.
    provided = {line.strip() for text in sources for line in _split_solutions(text)[1]}
    leaked = [line for text in sources for line in _solution_lines(text)
              if line in released_lines and line not in provided]
    assert not leaked, f"solution lines found in labs/{lab}: {leaked[:5]}"
    assert "autograder.checks" not in released, "hidden test code found in the release"
    assert "import autograder" not in released and "from autograder" not in released, \
        "the release must not import the instructor-only autograder"


@pytest.mark.parametrize("lab", lab_ids())
def test_student_modules_are_stubbed(lab):
    for rel in notebooks.student_files(SOLUTIONS / lab):
        text = (LABS / lab / rel).read_text()
        assert "raise NotImplementedError()" in text
        compile(text, rel, "exec")  # the stub is still valid Python


# ----------------------------------------------------------------------------- consistent labs

POINTS = __import__("re").compile(r"\((\d+)\s*(?:points?|pts?)\)")


def _pts(n) -> str:
    return f"{n:g} point{'s' if n != 1 else ''}"


@pytest.mark.parametrize("lab", lab_ids())
def test_questions_and_graded_cells_show_their_points(lab):
    """Every written answer has its question in its own markdown cell right above, with the points;
    every graded test cell starts (after the hidden region) with its points."""
    for folder in (SOLUTIONS, LABS):
        cells = notebooks.read(folder / lab / f"{lab}.ipynb").cells
        answers = 0
        for k, cell in enumerate(cells):
            meta = notebooks.nbgrader_meta(cell)
            if cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution"):
                answers += 1
                question = cells[k - 1]
                assert question.cell_type == "markdown" and not notebooks.nbgrader_meta(question), \
                    f"{folder.name}/{lab}: the answer cell {meta['grade_id']} has no question cell above it"
                found = POINTS.search(question.source)
                assert found and float(found.group(1)) == meta["points"], \
                    f"{folder.name}/{lab}: the question above {meta['grade_id']} does not show its {meta['points']} point(s)"
                if folder is SOLUTIONS:
                    assert cell.source.startswith(notebooks.BEGIN_SOLUTION), \
                        f"{lab}: {meta['grade_id']} holds more than the answer (the question belongs in the cell above)"
            if notebooks.is_graded_test(cell):
                assert f"# Graded cell: {_pts(meta['points'])}." in cell.source, \
                    f"{folder.name}/{lab}: test cell {meta['grade_id']} does not show its {meta['points']} point(s)"
        assert folder is LABS or answers > 0


@pytest.mark.parametrize("lab", lab_ids())
def test_every_lab_states_the_in_place_update_convention(lab):
    text = "\n".join(c.source for c in notebooks.read(LABS / lab / f"{lab}.ipynb").cells if c.cell_type == "markdown")
    assert "Parameter updates are made in place" in text, f"{lab}: the notation section must state the update convention"


# ----------------------------------------------------------------------------- Lab 06 gives no answers away

_re = __import__("re")
# Q15-Q17 as code, on whitespace-free lower-case source (any variable names).
Q15_Q17_CODE = {
    "Q15: (Yhat - Y) / N": _re.compile(r"hat\w*(\[[^]]*\])?-\w*(\[[^]]*\])?\)?/\w*n\b"),
    "Q16/Q17: G.T @ H or G.T @ X": _re.compile(r"\.t@(h|x|\w*hid\w*|\w*_h|\w*\[\"?'?(h|x)\"?'?\])\b"),
    "Q17: the tanh derivative 1 - h**2": _re.compile(r"1-(\w*h\w*|np\.tanh\(.*?\)|\w*\[[\"'](h|htilde)[\"']\])\*\*2"),
    "Q17: grad_h = G @ W_y": _re.compile(r"@(\w*wy|\w*\[[\"']wy[\"']\])(?!\.t)"),
    "Q16/Q17: bias = column sums transposed": _re.compile(r"\.sum\(axis=0,keepdims=true\)\.t"),
}
Q15_Q17_MARKDOWN = {
    "Q15: \\hat Y - Y": _re.compile(r"\\hat\s*\{?\s*Y\s*\}?\s*-\s*Y"),
    "Q16/Q17: ...^\\top H or ^\\top X": _re.compile(r"\^\\top\s*(H|X)\b"),
    "Q17: 1 - H^2": _re.compile(r"1\s*-\s*(H|h)\s*\^\s*2"),
}


def _q15_q17_code(source: str) -> list[str]:
    flat = "".join(source.split()).lower()
    return [name for name, pattern in Q15_Q17_CODE.items() if pattern.search(flat)]


def test_q15_q17_patterns_catch_the_formulas():
    """The patterns find the reference backward and the numeric checks the release used to print."""
    source = notebooks.read(SOLUTIONS / "lab06-rdfia" / "lab06-rdfia.ipynb")
    backward = next(c.source for c in source.cells if notebooks.nbgrader_meta(c).get("grade_id") == "lab06_backward_impl")
    assert set(_q15_q17_code(backward)) == set(Q15_Q17_CODE), _q15_q17_code(backward)
    old_check = ("g_H = ((Yhat - Y) / N) @ Wy\ng_Htilde = g_H * (1 - H ** 2)\n"
                 "table = check({'Wh': g_Htilde.T @ X, 'bh': g_Htilde.sum(axis=0, keepdims=True).T})")
    assert len(_q15_q17_code(old_check)) == len(Q15_Q17_CODE)
    assert all(p.search(r"$\nabla_{\tilde Y} = \frac1N(\hat Y - Y)$, $\nabla_{W_y} = \nabla^\top H$, $(1 - H^2)$")
               for p in Q15_Q17_MARKDOWN.values())


def test_lab06_release_gives_away_no_q15_q17_formula():
    """The release's code cells (checks, docstrings, loops) and its prose never state Q15-Q17's results:
    the numeric checks call the student's own backward."""
    lab = "lab06-rdfia"
    cells = notebooks.read(LABS / lab / f"{lab}.ipynb").cells
    found = [(k, name) for k, c in enumerate(cells) if c.cell_type == "code" for name in _q15_q17_code(c.source)]
    assert not found, f"labs/{lab}: code cells state Q15-Q17's formulas: {found}"
    prose = [(k, name) for k, c in enumerate(cells) if c.cell_type == "markdown"
             for name, pattern in Q15_Q17_MARKDOWN.items() if pattern.search(c.source)]
    assert not prose, f"labs/{lab}: markdown cells state Q15-Q17's formulas: {prose}"
    checks = [c.source for c in cells if c.cell_type == "code" and "ok =" in c.source and "backward(" in c.source]
    assert len(checks) >= 3, "the numeric checks of Q15-Q17 must call the student's backward"
