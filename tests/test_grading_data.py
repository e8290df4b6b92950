"""Data sets for grading (autograder.grading_data) and nnlab's loader under the autograder.

Synthetic archives and a loopback mirror only (tests/mnist_fixtures.py): nothing of the real
machine leaks in, no request leaves 127.0.0.1.
"""
from __future__ import annotations

import gzip
import io
import os
from pathlib import Path

import numpy as np
import pytest
from mnist_fixtures import dead_url, publish

from autograder import grading_data
from autograder.paths import lab_ids
from nnlab import mnist, runtime

pytestmark = pytest.mark.usefixtures("isolated")
IMAGE_LABS = ["lab02-ffnn-mnist", "lab06-rdfia"]


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_the_labs_that_load_images_are_found_from_their_notebooks():
    assert grading_data.labs_loading_images(lab_ids()) == \
        ["lab02-ffnn-mnist", "lab06-rdfia", "lab07-cnn", "lab08-optimisation"]
    assert grading_data.labs_loading_images(["lab01-regression", "lab05-autograd"]) == []


def test_local_folders_become_read_only_mounts_with_their_variable(synthetic, monkeypatch, tmp_path):
    for kind in mnist.KINDS:
        monkeypatch.setenv(mnist.ENV_VARS[kind], str(synthetic.dirs[kind]))
    out = io.StringIO()
    plan = grading_data.prepare(IMAGE_LABS, tmp_path / "work", stream=out)
    assert out.getvalue() == "" and plan.missing == () and plan.usable and plan.summary_note is None
    assert plan.labs == tuple(IMAGE_LABS)
    by_kind = {m.kind: m for m in plan.mounts}
    assert set(by_kind) == {"mnist", "fashion"}
    for kind, mount in by_kind.items():
        assert mount.host_dir == synthetic.dirs[kind]           # read in place: nothing copied
        assert mount.env_var == mnist.ENV_VARS[kind]
        assert mount.kernel_env() == {mount.env_var: f"/nnlab/data/{kind}"}
        assert mount.host_env() == {mount.env_var: str(synthetic.dirs[kind])}
    assert not (tmp_path / "work").exists()


def test_labs_without_images_need_no_data(synthetic, tmp_path):
    plan = grading_data.prepare(["lab01-regression", "lab05-autograd"], tmp_path, fetch=True)
    assert plan.mounts == () and plan.usable and plan.summary_note is None


def test_missing_data_set_is_fetched_once_into_the_cache(synthetic, monkeypatch, server, tmp_path):
    monkeypatch.setenv("NNLAB_FASHION_MNIST_DIR", str(synthetic.dirs["fashion"]))
    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": [dead_url(), publish(server, "good", synthetic)],
                                           "fashion": []})
    plan = grading_data.prepare(IMAGE_LABS, tmp_path / "work", stream=io.StringIO())
    mount = {m.kind: m for m in plan.mounts}["mnist"]
    assert mount.host_dir == tmp_path / "cache" / "mnist"       # the data/ cache (NNLAB_DATA_DIR here)
    assert len(_tree(mount.host_dir)) == 4 and len(server.requests) == 4
    grading_data.prepare(IMAGE_LABS, tmp_path / "work", stream=io.StringIO())
    assert len(server.requests) == 4                            # the next run finds it locally


def test_offline_without_data_one_message_and_no_exception(synthetic, monkeypatch, tmp_path):
    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": [dead_url()], "fashion": [dead_url()]})
    out = io.StringIO()
    plan = grading_data.prepare(IMAGE_LABS, tmp_path / "work", stream=out)
    assert plan.mounts == () and plan.missing == ("mnist", "fashion") and not plan.usable
    message = out.getvalue()
    assert message.startswith("grading data: neither MNIST nor Fashion-MNIST is available")
    assert "make data" in message and "lab02-ffnn-mnist, lab06-rdfia" in message
    assert message.count("\n") == 3                             # one message, not one per file or lab
    assert "lab02-ffnn-mnist, lab06-rdfia" in plan.summary_note and "make data" in plan.summary_note
    assert grading_data.prepare(IMAGE_LABS, tmp_path, fetch=False, stream=io.StringIO()).missing == \
        ("mnist", "fashion")


def test_fashion_only_is_usable_and_says_so_in_one_line(synthetic, monkeypatch, tmp_path):
    monkeypatch.setenv("NNLAB_FASHION_MNIST_DIR", str(synthetic.dirs["fashion"]))
    out = io.StringIO()
    plan = grading_data.prepare(IMAGE_LABS, tmp_path, fetch=False, stream=out)
    assert [m.kind for m in plan.mounts] == ["fashion"] and plan.usable and plan.summary_note is None
    assert out.getvalue().count("\n") == 1 and "train on Fashion-MNIST" in out.getvalue()


def test_archives_spread_over_folders_are_gathered_by_links(synthetic, monkeypatch, tmp_path):
    split_dir = tmp_path / "elsewhere"
    split_dir.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        os.replace(synthetic.dirs["mnist"] / name, split_dir / name)
    monkeypatch.setenv("NNLAB_MNIST_DIR", str(split_dir))          # test split here ...
    monkeypatch.setenv("NNLAB_DATA_DIR", str(synthetic.dirs["mnist"].parent))   # ... train split in the cache
    plan = grading_data.prepare(IMAGE_LABS, tmp_path / "work", fetch=False, stream=io.StringIO())
    mount = {m.kind: m for m in plan.mounts}["mnist"]
    assert mount.host_dir == tmp_path / "work" / "data" / "mnist" and len(_tree(mount.host_dir)) == 4
    monkeypatch.setenv("NNLAB_MNIST_DIR", str(mount.host_dir))
    _, labels = mnist.load("mnist", "train")
    np.testing.assert_array_equal(labels, synthetic.arrays["mnist", "train", "labels"])


def test_corrupt_local_copy_is_reported_not_mounted(synthetic, monkeypatch, tmp_path):
    monkeypatch.setenv("NNLAB_MNIST_DIR", str(synthetic.dirs["mnist"]))
    monkeypatch.setenv("NNLAB_FASHION_MNIST_DIR", str(synthetic.dirs["fashion"]))
    path = synthetic.dirs["mnist"] / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[-1] = (raw[-1] + 1) % 10          # a valid file with the wrong content
    path.write_bytes(gzip.compress(bytes(raw)))
    out = io.StringIO()
    plan = grading_data.prepare(IMAGE_LABS, tmp_path, fetch=False, stream=out)
    assert [m.kind for m in plan.mounts] == ["fashion"] and "checksum mismatch" in out.getvalue()


# --------------------------------------------------------------------------- nnlab while grading
def test_kernel_reads_a_read_only_folder_in_place(synthetic, monkeypatch, tmp_path):
    """What a sandboxed kernel does: read the mount through its variable, write nothing anywhere."""
    monkeypatch.setattr(runtime, "AUTOGRADING", True)
    monkeypatch.setenv("NNLAB_FASHION_MNIST_DIR", str(synthetic.dirs["fashion"]))
    before = {kind: _tree(synthetic.dirs[kind]) for kind in mnist.KINDS}
    for folder in synthetic.dirs.values():
        folder.chmod(0o555)
    try:
        kind, _, labels = mnist.load_digits_or_fashion("train")
    finally:
        for folder in synthetic.dirs.values():
            folder.chmod(0o755)
    assert kind == "fashion"
    np.testing.assert_array_equal(labels, synthetic.arrays["fashion", "train", "labels"])
    assert {kind: _tree(synthetic.dirs[kind]) for kind in mnist.KINDS} == before
    assert not (tmp_path / "cache").exists()          # no data/fashion (or any cache folder) created


def test_while_grading_nothing_is_downloaded_or_created(synthetic, monkeypatch, server, tmp_path):
    monkeypatch.setattr(runtime, "AUTOGRADING", True)
    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": [publish(server, "good", synthetic)], "fashion": []})
    with pytest.raises(FileNotFoundError) as info:
        mnist.load("fashion", "test")
    message = str(info.value)
    assert "Nothing is downloaded while autograding" in message and "NNLAB_FASHION_MNIST_DIR" in message
    with pytest.raises(FileNotFoundError):
        mnist.load("mnist", "test")
    assert server.requests == [] and not (tmp_path / "cache").exists()
