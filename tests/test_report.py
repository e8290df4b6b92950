"""The LaTeX report builds, is complete, and shows figures or placeholders for every lab.

The report is built with its own Makefile (latexmk) in a temporary copy of ``report/``, so
the tests never write into the working tree.  The first copy is stripped of generated
figures and results, as in a fresh clone; the second adds one figure and one results file
and checks that they replace their placeholders.

TeX is required: CI installs it, and a missing TeX fails (never skips) with the install
command.
"""
from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from autograder.paths import ROOT

REPORT = ROOT / "report"
TEX_PACKAGES = "latexmk texlive-latex-recommended texlive-fonts-recommended texlive-latex-extra"
INSTALL = f"sudo apt-get install -y {TEX_PACKAGES} poppler-utils"
TOOLS = ("make", "latexmk", "pdflatex", "pdfinfo", "pdftotext")
PLACEHOLDER = "Figure not generated yet"

# The figures and result keys the lab notebooks save (the contract with the lab authors).
FIGURES = {
    "lab01-regression": ["loss_curve", "fit", "init_comparison", "grad_norms"],
    "lab02-ffnn-mnist": ["curves", "confusion", "weights", "mse_vs_ce"],
    "lab03-activations": ["functions", "vanishing", "dead_relu", "training"],
    "lab04-gd-backprop": ["xor_loss", "stuck_ln2", "gd_variants", "lr_sweep", "boundary"],
    "lab05-autograd": ["graph", "loss_curve", "moons_boundary"],
    "lab06-rdfia": ["circles_boundary", "curves", "mnist_curves"],
    "lab08-optimisation": ["optimizers", "lr_sensitivity", "schedules", "overfitting", "batchnorm",
                           "lr_range_test", "update_ratios"],
    "lab07-cnn": ["curves", "filters", "feature_maps", "shift"],
}
RESULT_KEYS = {
    "lab01-regression": ["final_train_mse", "noise_variance", "epochs"],
    "lab02-ffnn-mnist": ["dataset", "test_accuracy", "epochs", "seconds_per_epoch"],
    "lab03-activations": ["best_activation"],
    "lab04-gd-backprop": ["xor_accuracy", "epochs"],
    "lab05-autograd": ["final_loss", "moons_accuracy"],
    "lab06-rdfia": ["circles_val_accuracy", "circles_accuracy", "mnist_val_accuracy", "mnist_accuracy", "dataset"],
    "lab08-optimisation": ["dataset", "val_acc_adam", "best_lr_adam", "overfit_none_gap", "early_best_epoch",
                           "bn_with_lr0.1_val_acc", "range_suggested_lr"],
    "lab07-cnn": ["dataset", "test_accuracy", "mlp_test_accuracy", "epochs", "cnn_parameters",
                  "mlp_parameters", "seconds_per_epoch", "mlp_seconds_per_epoch"],
}
PAGES = (18, 45)   # about 25 pages; a figure takes the same room as its placeholder


def require_tex():
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"the report needs {', '.join(missing)}, which is not installed. Install TeX and "
                    f"poppler with:\n    {INSTALL}", pytrace=False)


def copy_report(dst: Path, *, fresh: bool) -> Path:
    shutil.copytree(REPORT, dst, ignore=shutil.ignore_patterns("build", "__pycache__"))
    if fresh:   # what a fresh clone without generated outputs holds
        for path in [*(dst / "figures").rglob("*.pdf"), *(dst / "results").glob("*.tex"),
                     *(dst / "results").glob("*.json")]:
            path.unlink()
    return dst


def make(folder: Path, *targets: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-C", str(folder), *targets], capture_output=True, text=True,
                          env=env, timeout=300)


def build(folder: Path) -> Path:
    proc = make(folder)
    tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
    assert proc.returncode == 0, f"make -C report failed (exit {proc.returncode}):\n{tail}"
    pdf = folder / "build" / "report.pdf"
    assert pdf.is_file(), f"make -C report succeeded but wrote no {pdf}"
    return pdf


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def log_problems(folder: Path) -> list[str]:
    spec = importlib.util.spec_from_file_location("report_check_log", folder / "check_log.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.problems((folder / "build" / "report.log").read_text(encoding="utf-8", errors="replace"))


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """(folder, pdf, text) of the report built as a fresh clone: no figures, no results."""
    require_tex()
    folder = copy_report(tmp_path_factory.mktemp("fresh") / "report", fresh=True)
    pdf = build(folder)
    return folder, pdf, pdf_text(pdf)


@pytest.fixture(scope="module")
def with_outputs(fresh, tmp_path_factory):
    """The fresh build plus one figure and one results file, rebuilt."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = tmp_path_factory.mktemp("outputs") / "report"
    shutil.copytree(fresh[0], folder)      # with build/, so latexmk only recompiles
    (folder / "figures" / "lab01-regression").mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context({"pdf.fonttype": 42}):
        fig, ax = plt.subplots(figsize=(4, 2.5))
        ax.plot([0, 1, 2], [3, 1, 0.5])
        ax.set_title("MARKERFIGURE lab01 fit")
        fig.savefig(folder / "figures" / "lab01-regression" / "fit.pdf")
        plt.close(fig)
    (folder / "results" / "lab02-ffnn-mnist.tex").write_text(
        "\\labresultdef{lab02-ffnn-mnist}{dataset}{fashion\\_mnist}\n"
        "\\labresultdef{lab02-ffnn-mnist}{test_accuracy}{0.8765}\n"
        "\\labresultdef{lab02-ffnn-mnist}{seconds_per_epoch}{$1.5\\times 10^{-3}$}\n")
    pdf = build(folder)
    return folder, pdf, pdf_text(pdf)


# ---------------------------------------------------------------------------- sources

def test_every_lab_section_has_the_documented_figures_and_result_keys():
    for lab, names in FIGURES.items():
        source = (REPORT / "sections" / f"{lab[:5]}.tex").read_text()
        for name in names:
            assert f"\\labfigure{{{lab}}}{{{name}}}" in source, f"sections/{lab[:5]}.tex lacks figure {name}"
        for key in RESULT_KEYS[lab]:
            assert f"\\resultrow{{{key}}}" in source, f"sections/{lab[:5]}.tex lacks result {key}"
        assert f"\\inputlabresults{{{lab}}}" in (REPORT / "report.tex").read_text()


@pytest.mark.parametrize("lab", sorted(FIGURES))
def test_student_text_markers_are_balanced_and_inside_answer_boxes(lab):
    source = (REPORT / "sections" / f"{lab[:5]}.tex").read_text()
    for heading in ("Objectives", "Method", "Results", "Discussion"):
        assert f"\\subsection{{{heading}}}" in source, f"{lab}: no {heading} subsection"
    blocks = re.findall(r"\\begin\{studentanswer\}(.*?)\\end\{studentanswer\}", source, re.S)
    assert len(blocks) >= 3, f"{lab}: expected at least 3 student answer boxes"
    for block in blocks:
        assert re.search(r"^%% BEGIN STUDENT TEXT$.*^%% END STUDENT TEXT$", block, re.M | re.S), \
            f"{lab}: an answer box without BEGIN/END STUDENT TEXT markers (in that order)"
        assert "\\writehere{" in block
    begins = re.findall(r"^%% BEGIN STUDENT TEXT$", source, re.M)
    ends = re.findall(r"^%% END STUDENT TEXT$", source, re.M)
    assert len(begins) == len(blocks) == len(ends), f"{lab}: a marker outside an answer box"


def test_missing_tex_stops_with_one_clear_message(tmp_path):
    """The Makefile, not the shell, reports a missing TeX, with the exact install command."""
    folder = copy_report(tmp_path / "report", fresh=True)
    make_bin = shutil.which("make")
    if make_bin is None:
        pytest.fail("make is not installed; install it with: sudo apt-get install -y make", pytrace=False)
    proc = subprocess.run([make_bin, "-C", str(folder)], capture_output=True, text=True,
                          env={"PATH": str(tmp_path / "empty-bin"), "HOME": str(tmp_path)}, timeout=60)
    assert proc.returncode != 0
    assert f"sudo apt-get install -y {TEX_PACKAGES}" in proc.stderr, proc.stderr
    assert "not found" in proc.stderr and proc.stderr.count("apt-get") == 1
    assert not (folder / "build").exists()


def test_log_checker_flags_the_problems_make_check_must_catch():
    check = importlib.util.spec_from_file_location("report_check_log_src", REPORT / "check_log.py")
    module = importlib.util.module_from_spec(check)
    check.loader.exec_module(module)
    bad = ["LaTeX Warning: Reference `eq:nope' on page 3 undefined on input line 12.",
           "LaTeX Warning: Citation `knuth' on page 1 undefined on input line 4.",
           "! LaTeX Error: File `missing.sty' not found.",
           "LaTeX Warning: There were undefined references."]
    for line in bad:
        assert module.problems(f"ok line\n{line}\nok line"), f"not flagged: {line}"
    assert module.problems("Output written on build/report.pdf (25 pages).\n") == []


# ---------------------------------------------------------------------------- fresh build

def test_fresh_clone_builds_a_clean_pdf(fresh):
    folder, pdf, _ = fresh
    pages = pdf_pages(pdf)
    assert PAGES[0] <= pages <= PAGES[1], f"{pages} pages, expected {PAGES}"
    assert log_problems(folder) == []
    proc = make(folder, "check")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_lab_and_the_derivations_are_in_the_pdf(fresh):
    _, _, text = fresh
    flat = squash(text)
    for lab in FIGURES:
        title = re.search(r"\\section\{(.*?)\}", (REPORT / "sections" / f"{lab[:5]}.tex").read_text()).group(1)
        title = title.replace("---", "\u2014")
        assert squash(title) in flat, f"section {title!r} is not in the PDF"
    for heading in ("Notation and conventions", "Derivations", "The linear layer", "Softmax and cross-entropy",
                    "Binary cross-entropy on a sigmoid", "The RDFIA network",
                    "Back-propagation against naive differentiation", "Write here"):
        assert heading in flat, f"{heading!r} is not in the PDF"


def test_every_missing_figure_shows_a_placeholder(fresh):
    _, _, text = fresh
    total = sum(len(v) for v in FIGURES.values())
    assert text.count(PLACEHOLDER) == total
    for lab, names in FIGURES.items():
        for name in names:
            assert f"{lab}/{name}.pdf" in text, f"no placeholder naming {lab}/{name}.pdf"


# ---------------------------------------------------------------------------- with outputs

def test_a_generated_figure_replaces_its_placeholder(with_outputs):
    folder, pdf, text = with_outputs
    total = sum(len(v) for v in FIGURES.values())
    assert text.count(PLACEHOLDER) == total - 1
    assert "lab01-regression/fit.pdf" not in text
    assert "lab01-regression/loss_curve.pdf" in text
    assert "MARKERFIGURE" in text, "the figure's own text should be in the PDF"
    assert log_problems(folder) == []


def test_saved_results_are_typeset(with_outputs, fresh):
    _, _, text = with_outputs
    assert "0.8765" in text
    assert re.search(r"fashion\s?.?\s?mnist", text), "the escaped text value is missing"   # \\_ is a rule, not a glyph
    assert "1.5" in text and "10" in text
    assert "0.8765" not in fresh[2]


def test_a_fresh_build_is_incomplete_for_make_report(fresh):
    """`make report` demands a complete report: every placeholder of a fresh build is a problem there."""
    folder, _, _ = fresh
    spec = importlib.util.spec_from_file_location("report_check_log_complete", folder / "check_log.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    log = (folder / "build" / "report.log").read_text(encoding="utf-8", errors="replace")
    found = module.problems(log, placeholders=True)
    figures = [line for line in found if "Placeholder: figure" in line]
    assert len(figures) == sum(len(v) for v in FIGURES.values()), found[:5]
    assert any("Placeholder: result" in line for line in found)
    assert module.problems(log) == []          # ... while the student template is fine with them


# ---------------------------------------------------------------------------- numbers quoted from runs

def test_quote_checker_flags_text_that_disagrees_with_the_results():
    from autograder import quotes

    results = {"acc": 0.4838, "swing": 7.03, "mse": "0.0116", "seconds": 3.76, "ratio": 0.00189, "gap": 0.1895}
    ok = [quotes.Quote("lab", "cell x", "acc", "48", "%"), quotes.Quote("lab", "cell x", "swing", "7"),
          quotes.Quote("lab", "cell x", "mse", "0.0116"), quotes.Quote("lab", "cell x", "seconds", "1", "", ">"),
          quotes.Quote("lab", "cell x", "ratio", "1.9e-03"), quotes.Quote("lab", "cell x", "gap", "19", "points"),
          quotes.Quote("lab", "cell x", "acc", "50", "%", tol="1.7"), quotes.Quote("lab", "cell x", "swing", "8", tol="1")]
    assert [quotes.disagreement(q, results) for q in ok] == [None] * len(ok)
    bad = [quotes.Quote("lab", "cell x", "acc", "50", "%"), quotes.Quote("lab", "cell x", "swing", "10"),
           quotes.Quote("lab", "cell x", "mse", "0.0121"), quotes.Quote("lab", "cell x", "seconds", "10", "", ">"),
           quotes.Quote("lab", "cell x", "missing", "1"), quotes.Quote("lab", "cell x", "ratio", "2.1e-03"),
           quotes.Quote("lab", "cell x", "ratio", "1.9e-02"), quotes.Quote("lab", "cell x", "gap", "21", "points"),
           # a margin is a margin: 1.5 points around 50 % does not reach 48.4 %, nor 0.5 around 8 the swing 7.03
           quotes.Quote("lab", "cell x", "acc", "50", "%", tol="1.5"), quotes.Quote("lab", "cell x", "swing", "8", tol="0.5")]
    assert all(quotes.disagreement(q, results) for q in bad)
    assert "within 1.5" in quotes.disagreement(bad[-2], results)
    text = ("swings by about 7<!-- result: swing --> and 48 %<!-- result: acc --> and more than 1<!-- result: seconds > -->"
            ", about 50 %<!-- result: acc ~1.7 -->, 1.9e-03<!-- result: ratio --> and 19 points<!-- result: gap ~ 2 -->")
    found = [(m["number"], m["unit"], m["key"], m["op"], m["tol"]) for m in quotes.MARKER.finditer(text)]
    assert found == [("7", None, "swing", None, None), ("48", "%", "acc", None, None), ("1", None, "seconds", ">", None),
                     ("50", "%", "acc", None, "1.7"), ("1.9e-03", None, "ratio", None, None),
                     ("19", "points", "gap", None, "2")]


@pytest.mark.slow
def test_numbers_quoted_in_model_answers_and_report_are_the_saved_results():
    """Runs the solution notebooks whose inputs changed (cached by input hash, as `make report` does),
    then compares every marked number of the model answers and every result key the report prints
    with report/results/<lab>.json."""
    from autograder import figures, quotes

    failed = [o for o in figures.ensure(quiet=True) if o.error]
    assert not failed, f"notebooks failed: {[(o.lab, o.error) for o in failed]}"
    assert sum(len(quotes.notebook_quotes(lab)) for lab in FIGURES) >= 150
    problems = quotes.disagreements(list(FIGURES))
    assert problems == [], "\n".join(problems)
