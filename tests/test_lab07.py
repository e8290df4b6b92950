"""Lab 07 (convolutional networks): checks, zoo, oracles and the notebook.

The fast tests run the checks against the reference and a few named mutants, compare the checks'
oracles with the reference solution, and read the notebook's structure. The slow ones execute
the notebook's code cells under the grading budget (with torch importable or not) and, when
PyTorch is installed, the optional cats-vs-dogs section on a folder of photos the test writes.
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from zoo_asserts import assert_caught_and_named

from autograder import harness, notebooks, zoo
from autograder.checks import core
from autograder.checks import lab07 as checks

LAB = "lab07-cnn"


# --------------------------------------------------------------------------- grading
def test_solution_full_marks():
    out = harness.grade_direct(LAB)
    assert out.max_score == 14 and out.score == out.max_score, out.messages()


@pytest.mark.parametrize("name", [
    "col2im overwrites overlapping windows instead of adding",
    # round 18 (m18h): a size read from the wrong axis of dout; an output size taken from the input size
    "r18h conv bwd: H_out, W_out read from dout.shape[1:3] (C_out taken as H_out)",
    "r18h maxpool bwd: H_out, W_out read from x (the input size)",
    "padding cropped with pad:-pad (empty for pad = 0)",
    "bias gradient summed over the batch only",
    "max-pool gradient to all tied maxima",
    "kernel flipped (a true convolution)",
    # issue 15's held-out probe: failures explained by the cases that pass and by the shapes of every case
    "np.pad(x, pad) pads the batch and channel axes too (forward)",
    "dw from the unpadded input (backward)",
    "H padding on top and left only (forward)",
    "kernel reshaped instead of transposed for dx (backward)",
    # the third held-out round: general explanations (broadcasting, einsum letters, factors equal to a
    # case size, pooling right only when windows tile, flatten right for a batch of one only)
    "conv fwd: per-output-channel loop, kernel broadcast without the position axes",
    "conv bwd: naive loop with channels of w not swapped (einsum couv)",
    "conv bwd: dw averaged over output positions",
    "maxpool fwd: reshape trick (stride == size, divisible H only)",
    "maxpool bwd: upsampled-max mask (np.repeat)",
    "flatten: reshape(-1, N)",
])
def test_checks_reject_and_name_mutants(name):
    assert_caught_and_named(LAB, name)


def test_a_factor_equal_to_a_case_size_is_named():
    want = np.arange(1.0, 13.0).reshape(3, 4)
    assert "divided by P = 30" in checks._name_factor(want / 30, want, {"N": 4, "P": 30})
    assert "N = 4 times" in checks._name_factor(want * 4, want, {"N": 4, "P": 30})
    assert checks._name_factor(want * 7, want, {"N": 4, "P": 30}) is None
    assert checks._name_factor(want + 1, want, {"N": 4}) is None


def test_numpy_errors_are_read_with_the_case_sizes():
    dims = checks._dims("conv2d_backward", (np.zeros((4, 7, 6, 5)), np.zeros((4, 3, 6, 5)), np.zeros((7, 3, 1, 1)),
                                            1, 0))
    said = checks._name_sizes("Size of label 'o' for operand 1 (7) does not match previous terms (3).", dims)
    assert "7 (C_out)" in said and "3 (C_in)" in said
    flat = checks._dims("flatten_forward", (np.zeros((3, 4, 5, 2)),))
    assert "20 (C*H)" in checks._name_sizes("cannot reshape array of size 120 into shape (3,20)", flat)
    assert checks._name_sizes("something else went wrong", flat) is None


def test_products_of_sizes_are_named_in_one_layout():
    dims = checks._dims("conv2d_backward", (None, np.zeros((6, 3, 9, 10)), np.zeros((2, 3, 2, 2)), 2, 0))
    assert checks._product_names(240, dims) == "N*C_out*H_out*W_out"          # not N*W*H_out (two layouts)
    assert checks._product_names(432, dims) == "N*H_out(stride 1)*W_out(stride 1)"
    flat = checks._dims("flatten_forward", (np.zeros((3, 4, 5, 2)),))
    assert checks._product_names(100, flat) == "C*H*H"                         # a size twice, only as a last resort
    assert "uses H twice" in checks._name_sizes("cannot reshape array of size 120 into shape (3,100)", flat)


def test_layout_mixups_are_named():
    want = np.random.default_rng(0).normal(size=(3, 4, 5, 2))
    tol = {"rtol": 1e-9, "atol": 0}
    names = ("N", "C", "H", "W")
    assert checks._layout_mixup(want, want, names, tol) is None
    sample0 = np.broadcast_to(want[:1], want.shape)
    assert checks._layout_mixup(sample0, want, names, tol)[1] == "every-sample-is-sample-0"
    reshaped = want.transpose(1, 0, 2, 3).reshape(want.shape)
    message, diagnosis = checks._layout_mixup(reshaped, want, names, tol)
    assert diagnosis == "reshaped-not-transposed" and "(C, N, H, W)" in message and ".transpose(1, 0, 2, 3)" in message
    fortran = np.reshape(want.ravel(), want.shape, order="F")
    assert checks._layout_mixup(fortran, want, names, tol)[1] == "fortran-order"
    assert checks._layout_mixup(want + 1, want, names, tol) is None


def test_skipped_output_rows_are_named():
    r = np.random.default_rng(0)
    case = checks.CONV_CASES[2]
    x, w, _ = checks._conv_inputs(r, case)
    s, p = case[7], case[8]

    def skip_last_row(dout, x, w):
        dout = dout.copy()
        dout[:, :, -1] = 0
        return checks._conv_grads(dout, x, w, s, p)

    said = checks._positions_probe(skip_last_row, lambda d, x, w: checks._conv_grads(d, x, w, s, p), (x, w),
                                   checks._out_size(case), r)
    assert "contribute nothing" in said and "the last one" in said
    assert checks._positions_probe(lambda d, x, w: checks._conv_grads(d, x, w, s, p),
                                   lambda d, x, w: checks._conv_grads(d, x, w, s, p), (x, w),
                                   checks._out_size(case), r) is None


def test_one_mistake_costs_one_cell():
    """The backward checks get the forward's inputs, not its outputs: a wrong forward (or a wrong
    output size) fails its own cell only."""
    for name, cell in [("kernel flipped (a true convolution)", "lab07_test_conv2d_forward"),
                       ("output size without the +1", "lab07_test_conv_output_size"),
                       ("average pooling instead of max", "lab07_test_maxpool2d_forward")]:
        mutant = next(m for m in zoo.load(LAB).MUTANTS if m.name == name)
        out = harness.grade_direct(LAB, (mutant,), label=name)
        assert [c.grade_id for c in out.cells if c.points < c.max_points] == [cell], (name, out.messages())


def test_shape_mistakes_are_explained_by_every_case():
    """A padding added on one side gives an output one row short only when pad = 1: the check names
    the mistake that explains the shape of every case, not the off-by-one of the first."""
    def one_side(x, w, b, stride=1, pad=0):
        xp = np.pad(x, ((0, 0), (0, 0), (pad, 0), (pad, 0)))
        return checks._conv(xp, w, b, stride, 0)

    with pytest.raises(core.CheckFailure, match="one side only") as info:
        checks.conv2d_forward(one_side)
    assert info.value.diagnosis == "padding-one-side"


def test_forbidden_frameworks():
    assert {"torch", "tensorflow", "jax"} <= set(checks.FORBIDDEN_IMPORTS)


# --------------------------------------------------------------------------- oracles
def test_conv_oracle_matches_reference_and_finite_differences(ns):
    r = np.random.default_rng(0)
    for n, c, h, w, co, kh, kw, s, p, _dt in checks.CONV_CASES:
        x, wt, b = checks._conv_inputs(r, (n, c, h, w, co, kh, kw, s, p, np.float64))
        out = ns["conv2d_forward"](x, wt, b, s, p)
        assert out.shape == (n, co, ns["conv_output_size"](h, kh, s, p), ns["conv_output_size"](w, kw, s, p))
        assert np.allclose(out, checks._conv(x, wt, b, s, p))
        dout = r.normal(size=out.shape)
        for mine, want in zip(ns["conv2d_backward"](dout, x, wt, s, p), checks._conv_grads(dout, x, wt, s, p)):
            assert np.allclose(mine, want)
    checks._witness(core.rng("test-witness"))          # raises if the oracle disagrees with FD


def test_pool_oracle_matches_reference(ns):
    r = np.random.default_rng(1)
    for n, c, h, w, size, s, _ in checks.POOL_CASES:
        x = checks._distinct(r, (n, c, h, w), np.float64)
        out = ns["maxpool2d_forward"](x, size, s)
        assert np.array_equal(out, checks._pool(x, size, s))
        dout = r.normal(size=out.shape)
        assert np.allclose(ns["maxpool2d_backward"](dout, x, size, s), checks._pool_grad(dout, x, size, s))
        numeric = core.numerical_gradient(lambda a: float(np.sum(dout * checks._pool(a, size, s))), x.copy())
        assert np.allclose(checks._pool_grad(dout, x, size, s), numeric, atol=1e-6)


def test_the_cases_are_what_the_docstring_promises():
    cases = checks.CONV_CASES
    assert any(c[0] == 1 for c in cases) and any(c[0] % 2 == 1 and c[0] > 1 for c in cases)
    assert {c[7] for c in cases} >= {1, 2, 3} and {c[8] for c in cases} >= {0, 1, 2}
    assert all(c[2] != c[3] for c in cases) and all(c[1] != c[4] for c in cases)
    assert any(checks._overlapping(c) for c in cases) and any(not checks._overlapping(c) for c in cases)
    assert {np.dtype(c[9]) for c in cases} == {np.dtype(np.float32), np.dtype(np.float64)}


def test_an_array_impostor_fails_the_checks():
    class AlwaysEqual(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(self), bool)

    def conv2d_forward(x, w, b, stride=1, pad=0):
        return np.zeros((x.shape[0], w.shape[0], 1, 1)).view(AlwaysEqual)

    with pytest.raises(core.CheckFailure, match="plain numpy.ndarray|expected shape"):
        checks.conv2d_forward(conv2d_forward)


def test_split_tie_gradient_is_named():
    """Splitting a tied window's gradient between its maxima is named as such."""
    def backward(dout, x, size=2, stride=2):
        out = np.zeros_like(x)
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                win = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size]
                mask = win == win.max(axis=(2, 3), keepdims=True)
                out[:, :, i * stride:i * stride + size, j * stride:j * stride + size] += \
                    mask * (dout[:, :, i, j][:, :, None, None] / mask.sum(axis=(2, 3), keepdims=True))
        return out

    with pytest.raises(core.CheckFailure, match="split between them"):
        checks.maxpool2d_backward(backward)


# --------------------------------------------------------------------------- notebook
def test_notebook_structure(nb):
    ids = [c.get("id") for c in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids)
    graded = notebooks.graded_cells(nb)
    assert all(g["grade_id"].startswith("lab07_") for g in graded)
    assert sum(1 for g in graded if not g["auto"]) == 4                  # the four written questions
    source = "\n".join(c.source for c in nb.cells)
    for figure in ("curves", "filters", "feature_maps", "shift"):
        assert f'LAB_ID, "{figure}")' in source
    for key in ("dataset", "test_accuracy", "mlp_test_accuracy", "epochs", "cnn_parameters",
                "mlp_parameters", "seconds_per_epoch", "mlp_seconds_per_epoch"):
        assert f'"{key}"' in source
    assert "load_digits_or_fashion" in source and "Fashion-MNIST" in source
    for stub in ("conv_output_size", "conv2d_forward", "conv2d_backward", "maxpool2d_forward",
                 "maxpool2d_backward", "flatten_forward", "flatten_backward"):
        cell = next(c for c in nb.cells if notebooks.is_solution(c) and f"def {stub}(" in c.source)
        doc = cell.source.split(f"def {stub}(")[1].split(notebooks.BEGIN_SOLUTION)[0]
        assert '"""' in doc and "(N," in doc or stub == "conv_output_size", f"{stub}: a docstring with shapes"


def test_test_cells_only_use_setup_and_solution_names(nb):
    cells = notebooks.harness_cells(nb)
    assert [c.role for c in cells].count("test") == 6
    for c in cells:
        if c.role == "test":
            for forbidden in ("X_tr", "X_test", "train_images", "model", "history", "C1"):
                assert forbidden not in c.source, (c.grade_id, forbidden)


def test_visible_backward_tests_do_not_call_the_forward(nb):
    """A wrong forward must not fail the backward cells through their visible part either."""
    for c in notebooks.harness_cells(nb):
        if c.grade_id in ("lab07_test_conv2d_backward", "lab07_test_maxpool2d_backward"):
            visible = notebooks.strip_hidden(c.source)
            assert "conv2d_forward" not in visible and "maxpool2d_forward" not in visible


def _code_cells(nb, pred=lambda c: True) -> list[str]:
    return [notebooks.executable(c.source) for c in nb.cells if c.cell_type == "code" and pred(c)]


def _run(tmp_path: Path, cells: list[str], env_extra: dict, prelude: str = "") -> subprocess.CompletedProcess:
    body = textwrap.dedent("""
        import sys
        %s
        ns = {"__name__": "__main__", "display": print}
        for src in %r:
            exec(compile(src, "<cell>", "exec"), ns)
        print("RESULTS", ns.get("results"), "PETS_READY", ns.get("PETS_READY"))
    """) % (prelude, cells)
    script = tmp_path / "run.py"
    script.write_text(body)
    env = {**os.environ, "MPLBACKEND": "Agg", "NNLAB_REPORT_DIR": str(tmp_path / "report"), **env_extra}
    env.pop("NBGRADER_EXECUTION", None)
    env.update(env_extra)
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, check=False,
                          cwd=tmp_path, timeout=600)


@pytest.mark.slow
def test_notebook_runs_top_to_bottom_under_the_grading_budget(nb, tmp_path):
    """Every code cell, as the autograder runs them (small subset, one epoch), without torch."""
    start = time.perf_counter()
    proc = _run(tmp_path, _code_cells(nb), {"NBGRADER_EXECUTION": "autograde"},
                prelude='sys.modules["torch"] = None')
    seconds = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Skipped while grading." in proc.stdout
    assert "RESULTS {'dataset'" in proc.stdout and "PETS_READY False" in proc.stdout
    assert seconds < 120, f"the notebook took {seconds:.0f} s under the grading budget"


@pytest.mark.slow
def test_pets_section_without_torch_says_so(nb, tmp_path):
    setup = _code_cells(nb, notebooks.is_setup)
    pets_cells = _code_cells(nb, lambda c: "PETS_READY" in c.source or "def pet_epoch" in c.source)
    proc = _run(tmp_path, setup + pets_cells, {"NNLAB_PETS_DIR": str(tmp_path / "none")},
                prelude='sys.modules["torch"] = None')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "PyTorch is not installed" in proc.stdout and "PETS_READY False" in proc.stdout


HAVE_TORCH = importlib.util.find_spec("torch") is not None


def _only_with_torch(fn):
    """The PyTorch section's own tests exist only where PyTorch is installed (the bench extra);
    without it the two tests above cover the section (no test is skipped and counted as a pass)."""
    return pytest.mark.slow(fn) if HAVE_TORCH else None


@_only_with_torch
def test_pets_section_offline_stops_cleanly(nb, tmp_path):
    setup = _code_cells(nb, notebooks.is_setup)
    pets_cells = _code_cells(nb, lambda c: "PETS_READY" in c.source or "def pet_epoch" in c.source)
    proc = _run(tmp_path, setup + pets_cells, {"NNLAB_PETS_DIR": str(tmp_path / "none")},
                prelude=f'import nnlab.pets; nnlab.pets.MIRRORS[:] = [{(tmp_path / "no-server").as_uri()!r}]')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "could not be downloaded (offline?)" in proc.stdout and "PETS_READY False" in proc.stdout


@_only_with_torch
def test_pets_section_trains_on_a_small_folder_of_photos(nb, tmp_path):
    """The whole PyTorch section on 48 photos the test writes (Oxford layout): it trains, plots the
    curves and the confusion matrix, and reports a test accuracy."""
    from PIL import Image
    root = tmp_path / "pets"
    (root / "images").mkdir(parents=True)
    (root / "annotations").mkdir()
    r = np.random.default_rng(0)
    for split, count in (("trainval", 32), ("test", 16)):
        lines = []
        for k in range(count):
            species = 1 + k % 2
            name = f"{'Bengal' if species == 1 else 'beagle'}_{split}{k}"
            pixels = r.integers(0, 60, (72, 90, 3)).astype(np.uint8)
            pixels[..., 0 if species == 1 else 2] += 150                # cats reddish, dogs bluish
            Image.fromarray(pixels).save(root / "images" / f"{name}.jpg")
            lines.append(f"{name} 1 {species} 1")
        (root / "annotations" / f"{split}.txt").write_text("\n".join(lines) + "\n")
    setup = _code_cells(nb, notebooks.is_setup)
    pets_cells = _code_cells(nb, lambda c: "PETS_READY" in c.source or "def pet_epoch" in c.source)
    proc = _run(tmp_path, setup + pets_cells, {"NNLAB_PETS_DIR": str(root)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Oxford-IIIT Pet: 32 training and 16 test photos, 50% dogs" in proc.stdout
    assert "test accuracy after 8 epochs:" in proc.stdout and "PETS_READY True" in proc.stdout


def test_wrong_shapes_are_read_with_the_sizes_of_every_case():
    """Round 6: a wrong shape is written with the case sizes only when one way of writing it holds for every
    case whose shape is wrong (db summed over the channels keeps N*H_out*W_out in every case)."""
    entries = []
    for case in checks.CONV_CASES:
        n, c, h, w, co, kh, kw, s, p, _ = case
        ho, wo = checks._out_size(case)
        dims = checks._dims("conv2d_backward", (np.zeros((n, co, ho, wo)), np.zeros((n, c, h, w)),
                                                np.zeros((co, c, kh, kw)), s, p))
        entries.append(((n * ho * wo,), (co,), dims))
    said = checks._shape_story(entries, "db", "(C_out,)")
    assert said is not None and "db has shape (N*H_out*W_out)" in said and "where C_out belongs" in said
    # one wrong case, or shapes no single writing explains, say nothing
    assert checks._shape_story(entries[:1], "db", "(C_out,)") is None
    assert checks._shape_story([((7,), (3,), {"N": 2, "C": 5}), ((11,), (3,), {"N": 2, "C": 5})], "db", "(C,)") is None


def test_documented_defaults_are_checked_one_omitted_argument_at_a_time():
    def size(n, k, stride=1, pad=1):                  # a 'same' habit: pad defaults to 1
        return (n + 2 * pad - k) // stride + 1

    def right(n, k, stride=1, pad=0):
        return (n + 2 * pad - k) // stride + 1
    oracle, same = (lambda n, k, s, p: right(n, k, s, p)), (lambda a, b: a == b)
    with pytest.raises(core.CheckFailure) as info:
        checks._defaults(size, "conv_output_size", (28, 3), (("stride", 1), ("pad", 0)), oracle, same, "n=28, k=3")
    assert info.value.diagnosis == "wrong-default" and "default value of pad must be 0" in str(info.value)
    checks._defaults(right, "conv_output_size", (28, 3), (("stride", 1), ("pad", 0)), oracle, same, "n=28, k=3")


def test_size_labels_only_from_readings_no_other_numbers_give():
    # a pad on the batch axis gives N + 2*pad = 5 = H_out(pad 0): the reading that needs no size twice wins
    dims = checks._dims("conv2d_forward", (np.zeros((3, 2, 7, 9)), np.zeros((4, 2, 3, 3)), np.zeros(4), 1, 1))
    assert checks._product_names(175, dims) == "H_out(pad 0)*W_out(pad 0)*(N + 2*pad)"
    # two readings as plausible with other numbers (12 = N*C = H*W): no reading at all
    flat = checks._dims("flatten_forward", (np.zeros((3, 4, 2, 6)),))
    assert checks._product_names(12, flat) is None
    # a square side from a square root is named as such, not as a product of sizes
    said = checks._name_sizes("cannot reshape array of size 420 into shape (1,11,11)",
                              checks._dims("flatten_backward", (np.zeros((3, 140)), (3, 4, 5, 7))))
    assert "int(sqrt(140))" in said and "C*H*W" in said


def test_broadcast_error_shapes_name_the_slice_numpy_cut_short():
    """The shapes in a broadcasting error, read against the case: a strided slice whose end lacks the stride
    (ceil(H_out / stride) positions), a start too far (fewer positions), a window shorter than the kernel."""
    case = (6, 3, 9, 10, 2, 2, 2, 2, 0, np.float64)          # H_out, W_out = 4, 5
    text = "operands could not be broadcast together with shapes (6,2,4,5) (6,2,2,3) (6,2,4,5)  (called with x ...)"
    assert "ends too early" in checks._cut_short(text, case)[0]
    text = "operands could not be broadcast together with shapes (3,6,4,4) (3,6,4,5) (3,6,4,4)  (called with x ...)"
    assert "its START is too far" in checks._cut_short(text, case)[0]
    # one short at stride 1 while the stride-2 cases pass: the END, not the start (a start would misplace values)
    pool = (3, 2, 5, 8, 2, 1, np.float64)                      # H_out, W_out = 4, 7
    text = "operands could not be broadcast together with shapes (3,2,3,6) (3,2,4,7) (3,2,3,6)  (called with x ...)"
    said, diagnosis = checks._cut_short(text, pool, [(3, 7, 8, 10, 2, 2, np.float64)])
    assert "END is one short" in said and diagnosis == "slice-end-one-short"
    assert "START" in checks._cut_short(text, pool)[0]          # no passing stride-2 case: no confirmation
    assert checks._cut_short("operands could not be broadcast together with shapes (6,2,4,5) (6,2,4,5)", case) is None
    padded = (3, 2, 7, 9, 4, 3, 3, 1, 1, np.float64)
    text = "operands could not be broadcast together with shapes (2,3,2) (2,3,3)  (called with x ...)"
    assert "a window cut from x (not xp)" in checks._window_cut(text, padded)


def test_pooling_over_the_wrong_axes_is_read_from_the_values():
    x = np.arange(3 * 2 * 8 * 6, dtype=np.float64).reshape(3, 2, 8, 6)
    windows = np.lib.stride_tricks.sliding_window_view(x, (2, 2), axis=(1, 2))[:, ::2, ::2]
    with pytest.raises(core.CheckFailure, match=r"over axes \(1, 2\), C and H"):
        checks._pooled_axes(windows.max(axis=(-2, -1)), x, 2, 2, "maxpool2d_forward")
    right = np.lib.stride_tricks.sliding_window_view(x, (2, 2), axis=(2, 3))[:, :, ::2, ::2].max(axis=(-2, -1))
    checks._pooled_axes(right, x, 2, 2, "maxpool2d_forward")        # the rule's axes: nothing said


def test_backward_index_lost_is_read_from_the_values():
    """dx computed with w[0] for every output channel, or written for input channel 0 only: named by the index the
    code lost (the rule's gradient with that index frozen), or by the channels left at 0."""
    r = np.random.default_rng(5)
    x, wt, dout = r.normal(size=(2, 3, 5, 6)), r.normal(size=(4, 3, 2, 2)), r.normal(size=(2, 4, 4, 5))
    want = checks._conv_grads(dout, x, wt, 1, 0)[0]
    tol = checks._tol(np.float64)
    labels = ("image n", "input channel c", "row", "column")
    lost = checks._conv_grads(dout, x, np.broadcast_to(wt[:1], wt.shape), 1, 0)[0]
    with pytest.raises(core.CheckFailure, match=r"w\[0\], is used for every output channel o"):
        checks._index_readings(lost, want, "dx", labels, tol, checks._frozen_inputs(dout, x, wt, 1, 0, 0))
    part = want.copy()
    part[:, 1:] = 0
    with pytest.raises(core.CheckFailure, match=r"right for input channel c \[0\] and 0 for input channel c \[1, 2\]"):
        checks._index_readings(part, want, "dx", labels, tol, checks._frozen_inputs(dout, x, wt, 1, 0, 0))
    checks._index_readings(want, want, "dx", labels, tol, checks._frozen_inputs(dout, x, wt, 1, 0, 0))


def test_a_single_output_channel_keeps_db_one_dimensional():
    """db of a layer with ONE filter has shape (1,): keepdims then .squeeze() gives a 0-d array there. (Checked in
    process: through the judge's wire a 0-d array arrives as shape (1,), np.ascontiguousarray in the encoder.)"""
    assert any(c[4] == 1 for c in checks.CONV_CASES)

    def conv2d_backward(dout, x, w, stride=1, pad=0):
        dx, dw, _ = checks._conv_grads(dout, x, w, stride, pad)
        db = dout.sum(axis=(0, 2, 3), keepdims=True).squeeze()
        return dx.astype(x.dtype), dw.astype(x.dtype), db

    with pytest.raises(core.CheckFailure) as info:
        checks.conv2d_backward(conv2d_backward)
    assert "db has shape ()" in str(info.value) and "(1,)" in str(info.value)


def test_backward_linearity_probe_names_dropped_negative_entries():
    r = np.random.default_rng(15)
    x = r.normal(size=(2, 3, 6, 8))
    dout = r.normal(size=(2, 3, 3, 4))
    oracle = lambda d: checks._pool_grad(d, x, 2, 2)
    with pytest.raises(core.CheckFailure, match="where dout is NEGATIVE send nothing back"):
        checks._linearity_probe(lambda d: oracle(np.maximum(d, 0)), oracle, dout, "maxpool2d_backward", "dx")
    checks._linearity_probe(oracle, oracle, dout, "maxpool2d_backward", "dx")      # right: nothing said


def test_dx_with_the_channel_axes_of_the_kernel_reversed_is_named():
    r = np.random.default_rng(16)
    x, w = r.normal(size=(2, 3, 6, 7)), r.normal(size=(4, 3, 3, 2))
    dout = r.normal(size=(2, 4, 4, 6))
    want = checks._conv_grads(dout, x, w, 1, 0)[0]
    got = checks._conv_grads(dout, x, w[::-1, ::-1], 1, 0)[0]
    with pytest.raises(core.CheckFailure, match="the CHANNEL axes of w are reversed"):
        checks._kernel_reversed(got, want, dout, x, w, 1, 0, "test", checks._tol(np.float64))


def test_a_factor_on_one_case_is_told_only_when_every_case_shows_it():
    """_confirmed: a 'scaled' reading needs the same factor in every failing case."""
    one = core.CheckFailure("dx: your result is the expected one times 1.091 (a missing ...)", "scaled")
    other = core.CheckFailure("dx has wrong values: largest error 3", "wrong-values")
    same = core.CheckFailure("dx: your result is the expected one times 1.091 (a missing ...)", "scaled")
    assert not checks._confirmed(one, [(None, other), (None, one)])
    assert checks._confirmed(one, [(None, same), (None, one)])


def test_round18_a_reshape_short_by_one_size_is_named():
    flat = checks._dims("flatten_forward", (np.zeros((3, 4, 5, 7)),))
    said = checks._name_sizes("cannot reshape array of size 420 into shape (3,35)", flat)
    assert "4 (C) times fewer" in said and "a factor C is missing" in said
    assert checks._reshape_short("cannot reshape array of size 192 into shape (8,12)") == 2
    assert checks._reshape_short("cannot reshape array of size 192 into shape (8,-1)") is None
    assert checks._reshape_short("cannot reshape array of size 96 into shape (8,24)") is None


def test_round18_results_depend_on_values_not_on_memory_layout():
    x = np.arange(24.0).reshape(2, 3, 4)
    right = lambda a: a.reshape(len(a), -1)
    checks._layout_free(right, "f", "x", (x,), right, ("output",), {0: "x"})
    memory = lambda a: np.ravel(a, order="K").reshape(len(a), -1)
    with pytest.raises(core.CheckFailure) as caught:
        checks._layout_free(memory, "f", "x", (x,), right, ("output",), {0: "x"},
                            readings={"memory order read": memory})
    assert caught.value.diagnosis == "depends-on-memory-layout" and "memory order read" in str(caught.value)


def test_round18_state_kept_between_calls_on_the_same_arrays():
    r = np.random.default_rng(0)
    x = r.normal(size=(2, 3))
    right = lambda a: a * 2
    checks._after_change(right, "f", "x", (x,), right, ("output",), {0: "x"}, r)
    memo: dict = {}
    stale = lambda a: memo.setdefault(id(a), a * 2).copy()
    with pytest.raises(core.CheckFailure) as caught:
        checks._after_change(stale, "f", "x", (x,), right, ("output",), {0: "x"}, r)
    assert caught.value.diagnosis == "stale-after-in-place-change" and "FIRST call" in str(caught.value)
