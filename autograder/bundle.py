"""``make student-bundle``: the folder students receive (template repository or nbgrader exchange).

It holds the released labs, the ``nnlab`` helper package, the report template, the data
download script, a requirements file and a student README — and nothing instructor-only:
no solutions, no autograder, no hidden tests, no model answers.  The report's derivations
appendix is the answer key of several written questions, so the bundle gets a version with
the same headings and equation labels (cross-references still resolve) and a box to write in.
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from .paths import BUILD, LABS, ROOT
from .release import find_leaks

REQUIREMENTS = """\
# Install with:  python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
numpy>=1.26
scipy>=1.11
pandas>=2.1
matplotlib>=3.8
tqdm>=4.66
threadpoolctl>=3.1
pillow>=10
graphviz>=0.20
ipykernel>=6.29
jupyterlab>=4
-e .
"""

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "nnlab"
version = "0.1.0"
description = "Helper package for the neural-network labs (datasets, gradient checking, plotting)"
requires-python = ">=3.10"
dependencies = ["numpy", "scipy", "pandas", "matplotlib", "tqdm", "threadpoolctl", "pillow"]

[tool.setuptools.packages.find]
include = ["nnlab*"]
"""

README = """\
# Neural networks from scratch — student repository

Labs in which you implement neural networks in NumPy: forward passes, backward passes and
updates, checked by tests as you go.

## Setup (once)

    python3 -m venv .venv
    .venv/bin/pip install -r requirements.txt
    .venv/bin/jupyter lab

## Working on a lab

1. Open `labs/labNN-name/labNN-name.ipynb` (Lab 01 also has `model.py`, which you edit).
2. Replace every `raise NotImplementedError()` under `# YOUR CODE HERE` with your code.
3. Run the test cell under each part: these are the *visible* tests. When you submit, the
   autograder runs more thorough hidden tests on other inputs, so passing the visible tests is
   necessary, not sufficient.
4. Answer the written questions in the cells marked `YOUR ANSWER HERE`.
5. Do not delete, copy or edit the test cells: they are restored from the original before
   grading, and tampering is reported. Before submitting, run
   `python -m nnlab.validate labs/labNN-name/labNN-name.ipynb`: it tells you if a graded cell is
   missing, duplicated or edited (unlike `nbgrader validate`, which says "Success!" even then).
6. Submit the lab folder (`labs/labNN-name/`) as instructed by your course staff.

## Data

`nnlab.mnist.load()` downloads MNIST (checksums verified) into `data/` on first use, or reads a
copy you point it to with `NNLAB_MNIST_DIR`. `python data/download.py --kind mnist` fetches it
ahead of time.

Lab 07's optional cats-vs-dogs part needs PyTorch (`pip install torch`, the CPU build is enough)
and downloads the Oxford-IIIT Pet photos (about 810 MB, checksums verified) into `data/pets/` the
first time (`nnlab.pets`); without either, the notebook says so and skips that part.

## The report

Write your report in `report/` (LaTeX): only between `%% BEGIN STUDENT TEXT` and
`%% END STUDENT TEXT`. The notebooks save their figures and numbers into `report/figures` and
`report/results`; `make -C report` builds `report/build/report.pdf` (needs TeX Live:
`sudo apt-get install -y latexmk texlive-latex-recommended texlive-fonts-recommended texlive-latex-extra`).
"""

INSTRUCTOR_ONLY_REPORT_FILES = ("formulas.py",)


def student_derivations(text: str) -> str:
    """The derivations appendix with every derivation replaced by a box to write in.

    Keeps the section and subsection headings and defines each ``eq:`` label on a
    placeholder equation so that the rest of the report still compiles and cross-references.
    """
    out = ["% sections/derivations.tex -- write your derivations here (student version).",
           r"\section{Derivations}\label{app:derivations}", "",
           "Derive every gradient you implemented, in index notation first, then in matrix form.", ""]
    for block in re.split(r"(?=\\subsection\{)", text)[1:]:
        heading = re.match(r"\\subsection\{([^}]*)\}(\\label\{[^}]*\})?", block)
        out.append(rf"\subsection{{{heading.group(1)}}}{heading.group(2) or ''}")
        out += [r"\begin{studentanswer}", "%% BEGIN STUDENT TEXT",
                r"\writehere{your derivation.}", "%% END STUDENT TEXT", r"\end{studentanswer}"]
        for label in re.findall(r"\\label\{([^}]*)\}", block):
            if heading.group(2) and label in heading.group(2):
                continue
            if label.startswith("eq:"):
                out.append(rf"\begin{{equation}}\text{{(your result)}}\label{{{label}}}\end{{equation}}")
            elif label.startswith("tab:"):
                out.append(rf"\begin{{table}}[h]\centering(your table)\caption{{Your table.}}\label{{{label}}}\end{{table}}")
            else:
                out.append(rf"\phantomsection\label{{{label}}}")
        out.append("")
    return "\n".join(out) + "\n"


# What the title page says about the appendix, in the student's copy (its appendix is blank).
STUDENT_DERIVATIONS_NOTE = (r"\newcommand{\derivationsnote}{\Cref{app:derivations} is where you derive every gradient "
                            r"you implement, in index notation first, then in matrix form.}")


def student_report(dest: Path) -> Path:
    """The report template students receive, in ``dest``: no generated figures or results (every one
    is a placeholder), no instructor-only file, and a blank derivations appendix."""
    dest = Path(dest)
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(ROOT / "report", dest,
                    ignore=shutil.ignore_patterns("build", "__pycache__", *INSTRUCTOR_ONLY_REPORT_FILES))
    for generated in ("figures", "results"):   # the instructor's own runs stay out
        folder = dest / generated
        for item in folder.iterdir():
            if item.name != ".gitkeep":
                shutil.rmtree(item) if item.is_dir() else item.unlink()
    deriv = dest / "sections" / "derivations.tex"
    deriv.write_text(student_derivations(deriv.read_text()))
    main_tex = dest / "report.tex"
    text = main_tex.read_text()
    note = re.search(r"\\newcommand\{\\derivationsnote\}\{.*?\}\n(?=\n|%|\\)", text, re.S)
    if note is None:
        raise RuntimeError("report.tex: no \\newcommand{\\derivationsnote}{...} to adapt for students")
    main_tex.write_text(text[:note.start()] + STUDENT_DERIVATIONS_NOTE + "\n" + text[note.end():])
    return dest


def build(dest: Path) -> Path:
    dest = Path(dest)
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "build")
    shutil.copytree(LABS, dest / "labs", ignore=ignore)
    shutil.copytree(ROOT / "nnlab", dest / "nnlab", ignore=ignore)
    (dest / "data").mkdir()
    for name in ("download.py", "README.md"):
        shutil.copy(ROOT / "data" / name, dest / "data" / name)
    student_report(dest / "report")
    (dest / "requirements.txt").write_text(REQUIREMENTS)
    (dest / "pyproject.toml").write_text(PYPROJECT)
    (dest / "README.md").write_text(README)
    (dest / ".gitignore").write_text(".venv/\n__pycache__/\n.ipynb_checkpoints/\n/data/*/\nreport/build/\n")
    problems = check(dest)
    if problems:
        raise RuntimeError("student bundle contains instructor-only material: " + "; ".join(problems))
    return dest


def check(dest: Path) -> list[str]:
    """Reasons the bundle is not fit to give to students (empty when it is)."""
    problems = [f"markers in {p}" for p in find_leaks(dest)]
    for forbidden in ("solutions", "autograder", "tests", "benchmarks"):
        if (dest / forbidden).exists():
            problems.append(f"{forbidden}/ present")
    for path in dest.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".ipynb", ".tex", ".md", ".txt"):
            text = path.read_text(errors="replace")
            if re.search(r"^\s*(from|import) autograder", text, re.M) or "autograder.checks" in text:
                problems.append(f"{path.relative_to(dest)} refers to the autograder")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Build the folder students receive")
    ap.add_argument("--dest", type=Path, default=BUILD / "student-bundle")
    ap.add_argument("--report-template", type=Path, metavar="DEST",
                    help="write only the students' report template to DEST (for make report-template)")
    args = ap.parse_args(argv)
    if args.report_template:
        print(f"student report template written to {student_report(args.report_template)}")
        return 0
    try:
        path = build(args.dest)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"student bundle written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
