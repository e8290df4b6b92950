"""nnlab.report: where figures and results go, their format, determinism and the no-op cases."""
from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from nnlab import report, runtime


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    monkeypatch.delenv("NNLAB_REPORT_DIR", raising=False)
    monkeypatch.setattr(runtime, "AUTOGRADING", False)
    yield
    plt.close("all")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A fake checkout: tmp/report/report.tex, working directory two levels below it."""
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "report.tex").write_text("\\documentclass{article}\n")
    work = tmp_path / "labs" / "lab01-regression"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    return tmp_path / "report"


def _figure():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [1, 0, 2], label="loss")
    ax.set_title("a figure")
    return fig


def test_save_figure_finds_report_and_is_deterministic(project):
    fig = _figure()
    path = report.save_figure(fig, "lab01-regression", "fit")
    assert path == project / "figures" / "lab01-regression" / "fit.pdf"
    first = path.read_bytes()
    assert first.startswith(b"%PDF") and b"CreationDate" not in first
    mtime = path.stat().st_mtime_ns
    assert report.save_figure(_figure(), "lab01-regression", "fit") == path
    assert path.read_bytes() == first  # identical bytes from an identical figure
    assert path.stat().st_mtime_ns == mtime  # and the file was not even rewritten
    ax = _figure().axes[0]
    ax.set_title("changed")
    report.save_figure(ax, "lab01-regression", "fit")  # an Axes is accepted too
    assert path.read_bytes() != first


def test_report_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "elsewhere"
    monkeypatch.setenv("NNLAB_REPORT_DIR", str(target))
    path = report.save_figure(_figure(), "lab02-ffnn-mnist", "curves")
    assert path == target / "figures" / "lab02-ffnn-mnist" / "curves.pdf" and path.is_file()


def test_no_ops_without_report_or_while_autograding(project, tmp_path, monkeypatch):
    monkeypatch.setattr(runtime, "AUTOGRADING", True)
    assert report.save_figure(_figure(), "lab01-regression", "fit") is None
    assert report.save_results("lab01-regression", {"mse": 0.5}) is None
    assert not (project / "figures").exists() and not (project / "results").exists()

    monkeypatch.setattr(runtime, "AUTOGRADING", False)
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "report" / "report.tex").unlink()  # no report.tex anywhere above
    monkeypatch.chdir(outside)
    assert report.save_figure(_figure(), "lab01-regression", "fit") is None
    assert report.save_results("lab01-regression", {"mse": 0.5}) is None
    assert not (project / "figures").exists()


def test_save_results_json_and_tex(project):
    results = {
        "test_mse": np.float64(0.0123456),
        "epochs": np.int64(200),
        "n_params": 7850,
        "tiny": 1.5e-7,
        "big": 123456.0,
        "exact": 2.0,
        "accuracy_text": "97.5%",
        "model_name": "mlp_2 & co #1",
        "math": "$x_1^2$ and 5\\%",
        "converged": True,
        "missing": float("nan"),
        "curve": np.array([0.5, 0.25]),
    }
    path = report.save_results("lab01-regression", results)
    assert path == project / "results" / "lab01-regression.json"
    data = json.loads(path.read_text())
    assert list(data) == list(results)
    assert data["test_mse"] == pytest.approx(0.0123456) and data["epochs"] == 200
    assert data["missing"] is None and data["curve"] == [0.5, 0.25] and data["converged"] is True

    tex = (project / "results" / "lab01-regression.tex").read_text().splitlines()
    assert len(tex) == len(results)  # one line per key
    defs = dict(line.removeprefix("\\labresultdef{lab01-regression}{").removesuffix("}").split("}{", 1)
                for line in tex)
    assert defs == {
        "test_mse": "0.01235",
        "epochs": "200",
        "n_params": "7850",
        "tiny": "$1.5\\times 10^{-7}$",
        "big": "$1.235\\times 10^{5}$",
        "exact": "2",
        "accuracy_text": "97.5\\%",
        "model_name": "mlp\\_2 \\& co \\#1",
        "math": "$x_1^2$ and 5\\%",  # math and already-escaped text are kept
        "converged": "yes",
        "missing": "--",
        "curve": "0.5, 0.25",
    }


def test_save_results_merges_and_is_stable(project):
    path = report.save_results("lab03-activations", {"a": 1.0, "b": 2})
    tex = project / "results" / "lab03-activations.tex"
    mtime = tex.stat().st_mtime_ns
    report.save_results("lab03-activations", {"a": 1.0, "b": 2})
    assert tex.stat().st_mtime_ns == mtime  # unchanged content is not rewritten
    report.save_results("lab03-activations", {"b": 3, "c": "x"})
    assert json.loads(path.read_text()) == {"a": 1, "b": 3, "c": "x"}
    assert tex.read_text() == ("\\labresultdef{lab03-activations}{a}{1}\n"
                               "\\labresultdef{lab03-activations}{b}{3}\n"
                               "\\labresultdef{lab03-activations}{c}{x}\n")


def test_bad_names_and_values_are_rejected(project):
    with pytest.raises(ValueError, match="lab_id"):
        report.save_results("../evil", {"a": 1})
    with pytest.raises(ValueError, match="key"):
        report.save_results("lab01-regression", {"has space": 1})
    with pytest.raises(ValueError, match="name"):
        report.save_figure(_figure(), "lab01-regression", "sub/dir")
    with pytest.raises(TypeError, match="nested"):
        report.save_results("lab01-regression", {"nested": {"a": 1}})
    with pytest.raises(TypeError, match="Figure"):
        report.save_figure("not a figure", "lab01-regression", "x")


def test_figure_path_for_other_tools(tmp_path, monkeypatch):
    import nnlab.report as rep
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "report.tex").write_text("% report")
    monkeypatch.setenv("NNLAB_REPORT_DIR", str(tmp_path / "report"))
    path = rep.figure_path("lab05-autograd", "graph")
    assert path == tmp_path / "report" / "figures" / "lab05-autograd" / "graph.pdf"
    assert path.parent.is_dir() and not path.exists()
    monkeypatch.setattr(rep, "_report_dir", lambda: None)
    assert rep.figure_path("lab05-autograd", "graph") is None
