"""nnlab.mnist: IDX parsing, verification, search order and downloads (never the real internet).

Synthetic IDX archives built by hand in tmp_path exercise everything; the real MNIST test split
and Fashion-MNIST files are checked additionally, found the one documented way
(tests/real_data.py: $NNLAB_MNIST_DIR, Debian's package, or the data/ cache of `make data`):
skipped with that command when missing, failed under CI.
"""
from __future__ import annotations

import gzip
import hashlib
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import real_data
from mnist_fixtures import N_TRAIN, dead_url, idx_bytes, publish, sha256

from nnlab import mnist

REPO = Path(__file__).resolve().parent.parent
# Located before the isolation fixture hides the environment and system folders from nnlab.
REAL_MNIST_TEST = real_data.locate("mnist", "test")
REAL_FASHION = {split: real_data.locate("fashion", split) for split in mnist.SPLITS}

# Fixtures of tests/mnist_fixtures.py (a pytest plugin, see conftest.py): synthetic, server.
pytestmark = pytest.mark.usefixtures("isolated")


# ----------------------------------------------------------------------------------------------
# IDX parser
# ----------------------------------------------------------------------------------------------

def test_parse_idx_reads_uint8_images_and_other_types():
    images = np.arange(3 * 5 * 4).reshape(3, 5, 4).astype(np.uint8)
    got = mnist._parse_idx(idx_bytes(images))
    assert got.dtype == np.uint8 and got.shape == (3, 5, 4)
    np.testing.assert_array_equal(got, images)
    assert got.flags.writeable  # a normal array students may modify

    ints = np.array([[1, -2, 300000], [4, 5, -6]], dtype=np.int32)
    got = mnist._parse_idx(idx_bytes(ints, 0x0C))
    assert got.dtype == np.int32 and got.dtype.isnative
    np.testing.assert_array_equal(got, ints)
    floats = np.array([0.5, -1.25], dtype=np.float32)
    np.testing.assert_array_equal(mnist._parse_idx(idx_bytes(floats, 0x0D)), floats)


@pytest.mark.parametrize("mutate, message", [
    (lambda b: b"\x08\x03" + b[2:], "magic number"),           # first two bytes must be zero
    (lambda b: b[:2] + b"\x42" + b[3:], "magic number"),       # unknown type code
    (lambda b: b[:3] + b"\x00" + b[4:], "magic number"),       # zero dimensions
    (lambda b: b[:2], "only 2 bytes"),
    (lambda b: b[:10], "truncated IDX header"),
    (lambda b: b[:-1], "truncated IDX file"),
    (lambda b: b[:16], "truncated IDX file"),
    (lambda b: b + b"\x00\x00", "2 unexpected bytes"),
])
def test_parse_idx_rejects_corrupt_files(mutate, message):
    good = idx_bytes(np.zeros((2, 28, 28), dtype=np.uint8))
    with pytest.raises(ValueError, match=message):
        mnist._parse_idx(mutate(good), "some-file")


# ----------------------------------------------------------------------------------------------
# load() on local files
# ----------------------------------------------------------------------------------------------

def test_load_reads_gz_and_decompressed_copies(synthetic, tmp_path):
    images, labels = mnist.load("mnist", "train", data_dir=synthetic.dirs["mnist"])
    assert images.dtype == np.uint8 and images.shape == (N_TRAIN, 28, 28)
    assert labels.dtype == np.uint8 and labels.shape == (N_TRAIN,)
    np.testing.assert_array_equal(images, synthetic.arrays["mnist", "train", "images"])
    np.testing.assert_array_equal(labels, synthetic.arrays["mnist", "train", "labels"])

    raw_dir = tmp_path / "raw"
    raw_dir.mkdir()
    for src in synthetic.dirs["mnist"].iterdir():  # decompressed copies, accepted by content hash
        (raw_dir / src.name[:-3]).write_bytes(gzip.decompress(src.read_bytes()))
    images, labels = mnist.load("mnist", "test", data_dir=raw_dir)
    np.testing.assert_array_equal(images, synthetic.arrays["mnist", "test", "images"])
    np.testing.assert_array_equal(labels, synthetic.arrays["mnist", "test", "labels"])


def test_regzipped_copy_is_accepted_by_content_hash(synthetic):
    path = synthetic.dirs["fashion"] / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()), compresslevel=1, mtime=12345))
    images, _ = mnist.load("fashion", "test", data_dir=synthetic.dirs["fashion"])
    np.testing.assert_array_equal(images, synthetic.arrays["fashion", "test", "images"])


def test_truncated_gzip_file_is_reported_by_name(synthetic):
    path = synthetic.dirs["mnist"] / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte\.gz: corrupt or truncated gzip"):
        mnist.load("mnist", "test", data_dir=synthetic.dirs["mnist"])


def test_truncated_idx_inside_valid_gzip_is_reported(synthetic):
    path = synthetic.dirs["mnist"] / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes())[:-1]))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte\.gz: truncated IDX file"):
        mnist.load("mnist", "test", data_dir=synthetic.dirs["mnist"])


def test_wrong_content_fails_the_checksum(synthetic):
    path = synthetic.dirs["mnist"] / "train-labels-idx1-ubyte.gz"
    labels = (synthetic.arrays["mnist", "train", "labels"] + 1) % 10
    path.write_bytes(gzip.compress(idx_bytes(labels)))
    with pytest.raises(ValueError, match="checksum mismatch"):
        mnist.load("mnist", "train", data_dir=synthetic.dirs["mnist"])


def test_wrong_count_and_bad_labels_are_rejected(synthetic):
    path = synthetic.dirs["mnist"] / "train-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros(N_TRAIN + 1, np.uint8))))
    with pytest.raises(ValueError, match=r"expected an array of shape \(6,\)"):
        mnist.load("mnist", "train", data_dir=synthetic.dirs["mnist"])
    path.write_bytes(gzip.compress(idx_bytes(np.full(N_TRAIN, 12, np.uint8))))
    with pytest.raises(ValueError, match="labels must be 0..9"):
        mnist.load("mnist", "train", data_dir=synthetic.dirs["mnist"])


def test_train_images_without_content_hash_accepted_by_header_only(synthetic, monkeypatch):
    """Mirrors the real table: MNIST train images have no decompressed hash recorded."""
    key = ("mnist", "train", "images")
    archive = synthetic.table[key]
    monkeypatch.setitem(mnist._ARCHIVES, key, mnist._Archive(archive.filename, archive.shape, None,
                                                              archive.gz_sha256, None))
    path = synthetic.dirs["mnist"] / archive.filename
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()), mtime=999))  # re-gzipped
    images, _ = mnist.load("mnist", "train", data_dir=synthetic.dirs["mnist"])
    np.testing.assert_array_equal(images, synthetic.arrays[key])
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((N_TRAIN, 28, 27), np.uint8))))  # bad header
    with pytest.raises(ValueError, match="expected an array of shape"):
        mnist.load("mnist", "train", data_dir=synthetic.dirs["mnist"])


def test_real_table_has_hashes_for_every_file():
    for (kind, split, part), archive in mnist._ARCHIVES.items():
        assert archive.gz_sha256 and len(archive.gz_sha256) == 64, (kind, split, part)
        if (kind, split, part) != ("mnist", "train", "images"):
            assert archive.raw_sha256 and len(archive.raw_sha256) == 64, (kind, split, part)
        assert archive.shape[0] == (60000 if split == "train" else 10000)


def test_bad_arguments():
    with pytest.raises(ValueError, match="kind"):
        mnist.load("cifar", "train")
    with pytest.raises(ValueError, match="split"):
        mnist.available("mnist", "validation")
    assert len(mnist.CLASS_NAMES["mnist"]) == 10 and len(mnist.CLASS_NAMES["fashion"]) == 10
    assert mnist.CLASS_NAMES["fashion"][9] == "Ankle boot"


# ----------------------------------------------------------------------------------------------
# where files are looked for
# ----------------------------------------------------------------------------------------------

def test_search_order(monkeypatch, tmp_path):
    archive = mnist._ARCHIVES["fashion", "test", "labels"]
    folders = {name: tmp_path / name for name in ("arg", "env", "system")}
    for folder in folders.values():
        folder.mkdir()
        (folder / archive.filename).write_bytes(b"x")
    monkeypatch.setenv("NNLAB_FASHION_MNIST_DIR", str(folders["env"]))
    monkeypatch.setattr(mnist, "SYSTEM_DIRS", {"mnist": [], "fashion": [str(folders["system"])]})
    monkeypatch.setenv("NNLAB_DATA_DIR", str(tmp_path))  # cache = tmp_path/fashion
    (tmp_path / "fashion").mkdir()
    (tmp_path / "fashion" / archive.filename).write_bytes(b"x")

    assert mnist._find_local("fashion", archive, folders["arg"]) == folders["arg"] / archive.filename
    for name in ("env", "system"):
        assert mnist._find_local("fashion", archive) == folders[name] / archive.filename
        (folders[name] / archive.filename).unlink()
    assert mnist._find_local("fashion", archive) == tmp_path / "fashion" / archive.filename
    (tmp_path / "fashion" / archive.filename).unlink()
    assert mnist._find_local("fashion", archive) is None
    # the decompressed name counts too
    (folders["system"] / archive.filename[:-3]).write_bytes(b"x")
    assert mnist._find_local("fashion", archive) == folders["system"] / archive.filename[:-3]


def test_cache_dir_rules(monkeypatch, tmp_path):
    monkeypatch.setenv("NNLAB_DATA_DIR", str(tmp_path / "d"))
    assert mnist._cache_dir("mnist") == tmp_path / "d" / "mnist"
    monkeypatch.delenv("NNLAB_DATA_DIR")
    assert mnist._cache_dir("fashion") == REPO / "data" / "fashion"  # this checkout has data/download.py
    monkeypatch.setattr(mnist, "_REPO_DATA", tmp_path / "site-packages" / "data")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert mnist._cache_dir("mnist") == tmp_path / "xdg" / "nnlab" / "mnist"


def test_available_and_load_digits_or_fashion(synthetic, monkeypatch, server):
    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": [server.url], "fashion": [server.url]})
    monkeypatch.setenv("NNLAB_FASHION_MNIST_DIR", str(synthetic.dirs["fashion"]))
    assert not mnist.available("mnist", "train")
    kind, images, labels = mnist.load_digits_or_fashion("test")
    assert kind == "fashion"
    np.testing.assert_array_equal(labels, synthetic.arrays["fashion", "test", "labels"])
    assert server.requests == []  # never tries to download MNIST

    monkeypatch.setenv("NNLAB_MNIST_DIR", str(synthetic.dirs["mnist"]))
    assert mnist.available("mnist", "train") and mnist.available("mnist", "test")
    kind, images, labels = mnist.load_digits_or_fashion("train")
    assert kind == "mnist" and images.shape == (N_TRAIN, 28, 28)
    np.testing.assert_array_equal(labels, synthetic.arrays["mnist", "train", "labels"])

    (synthetic.dirs["mnist"] / "t10k-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b garbage")
    assert not mnist.available("mnist", "test")
    assert mnist.load_digits_or_fashion("test")[0] == "fashion"


# ----------------------------------------------------------------------------------------------
# downloads (local HTTP server only)
# ----------------------------------------------------------------------------------------------

def test_download_into_cache_then_reuse(synthetic, monkeypatch, server, tmp_path):
    mirror = publish(server, "good", synthetic)
    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": [mirror], "fashion": []})
    images, labels = mnist.load("mnist", "test")
    np.testing.assert_array_equal(images, synthetic.arrays["mnist", "test", "images"])
    np.testing.assert_array_equal(labels, synthetic.arrays["mnist", "test", "labels"])
    cache = tmp_path / "cache" / "mnist"
    assert sorted(p.name for p in cache.iterdir()) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    assert len(server.requests) == 2
    mnist.load("mnist", "test")
    assert len(server.requests) == 2  # second time from the cache


def test_dead_mirror_falls_back_to_next(synthetic, monkeypatch, server):
    good = publish(server, "good", synthetic)
    missing = f"{server.url}nothing-here/"  # answers 404
    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": [dead_url(), missing, good], "fashion": []})
    _, labels = mnist.load("mnist", "train")
    np.testing.assert_array_equal(labels, synthetic.arrays["mnist", "train", "labels"])
    assert "/good/train-labels-idx1-ubyte.gz" in server.requests
    assert "/nothing-here/train-labels-idx1-ubyte.gz" in server.requests


def test_checksum_mismatch_is_rejected(synthetic, monkeypatch, server, tmp_path):
    bad = publish(server, "bad", synthetic, corrupt="t10k-labels-idx1-ubyte.gz")
    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": [bad], "fashion": []})
    with pytest.raises(FileNotFoundError, match="checksum mismatch") as info:
        mnist.load("mnist", "test")
    assert "t10k-labels-idx1-ubyte.gz" in str(info.value)
    cache = tmp_path / "cache" / "mnist"
    assert not (cache / "t10k-labels-idx1-ubyte.gz").exists()
    assert not [p for p in cache.iterdir() if p.name.endswith(".part")]  # no leftovers

    good = publish(server, "good", synthetic)
    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": [bad, good], "fashion": []})
    _, labels = mnist.load("mnist", "test")
    np.testing.assert_array_equal(labels, synthetic.arrays["mnist", "test", "labels"])


def test_offline_error_says_file_mirrors_and_fix(synthetic, monkeypatch, tmp_path):
    mirrors = [dead_url(), dead_url().replace("/mnist/", "/other/")]
    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": mirrors, "fashion": []})
    with pytest.raises(FileNotFoundError) as info:
        mnist.load("mnist", "train", data_dir=tmp_path / "empty")
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz" in message
    for base in mirrors:
        assert base + "train-images-idx3-ubyte.gz" in message
    assert "NNLAB_MNIST_DIR" in message and "data_dir" in message and "data/download.py" in message
    assert str(tmp_path / "empty") in message  # where it looked


def test_download_cli(synthetic, monkeypatch, server, tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("download_cli", REPO / "data" / "download.py")
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    assert cli.mnist is mnist  # the CLI uses this package (and so the patched tables)

    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": [dead_url()], "fashion": []})
    dest = tmp_path / "dest"
    assert cli.main(["--kind", "mnist", "--dest", str(dest)]) == 1
    assert "Could not find or download" in capsys.readouterr().err

    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": [dead_url(), publish(server, "good", synthetic)],
                                           "fashion": []})
    assert cli.main(["--kind", "mnist", "--dest", str(dest)]) == 0
    assert sorted(p.name for p in dest.iterdir()) == sorted(a.filename for k, a in synthetic.table.items()
                                                            if k[0] == "mnist")
    n = len(server.requests)
    assert cli.main(["--kind", "mnist", "--dest", str(dest)]) == 0  # verified, not fetched again
    assert len(server.requests) == n
    (dest / "t10k-images-idx3-ubyte.gz").write_bytes(b"broken")
    assert cli.main(["--kind", "mnist", "--dest", str(dest)]) == 1
    assert "t10k-images-idx3-ubyte.gz" in capsys.readouterr().err


# ----------------------------------------------------------------------------------------------
# real data, when this machine has it
# ----------------------------------------------------------------------------------------------

def test_real_mnist_test_split():
    folder = real_data.require("mnist", "test", REAL_MNIST_TEST)
    raw = gzip.decompress((folder / "t10k-images-idx3-ubyte.gz").read_bytes())
    assert sha256(raw) == "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
    images, labels = mnist.load("mnist", "test", data_dir=folder)
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    np.testing.assert_array_equal(images.reshape(-1), np.frombuffer(raw, np.uint8, offset=16))
    # well-known facts about the MNIST test set: first labels and class counts
    np.testing.assert_array_equal(labels[:5], [7, 2, 1, 0, 4])
    np.testing.assert_array_equal(np.bincount(labels, minlength=10),
                                  [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    assert images.max() == 255 and images.min() == 0


def test_real_fashion_matches_recorded_hashes():
    folders = {split: real_data.require("fashion", split, REAL_FASHION[split]) for split in mnist.SPLITS}
    for (kind, split, _part), archive in mnist._ARCHIVES.items():
        if kind != "fashion":
            continue
        blob = (folders[split] / archive.filename).read_bytes()
        raw = gzip.decompress(blob)
        # Debian's re-gzipped copy matches the recorded .gz hash; a download, its content hash.
        assert sha256(blob) == archive.gz_sha256 or hashlib.md5(blob).hexdigest() == archive.gz_md5
        assert sha256(raw) == archive.raw_sha256
    images, labels = mnist.load("fashion", "test", data_dir=folders["test"])
    assert images.shape == (10000, 28, 28)
    np.testing.assert_array_equal(np.bincount(labels), [1000] * 10)  # Fashion-MNIST test is balanced
