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
