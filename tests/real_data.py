"""Tests that need the real MNIST / Fashion-MNIST files find them in ONE way: nnlab's own search.

That is ``$NNLAB_MNIST_DIR`` / ``$NNLAB_FASHION_MNIST_DIR``, Debian's
``/usr/share/datasets/fashion-mnist`` (Fashion-MNIST), or the ``data/`` cache that
``make data`` fills when online (see data/README.md); tests never download and never guess
other folders.  ``.ci/run`` sets ``NNLAB_MNIST_DIR`` explicitly and ``CI=true``: in CI a
missing data set FAILS the test; elsewhere the test is skipped with the command that gets
the data.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from nnlab import mnist

GET_DATA = "make data"


def in_ci() -> bool:
    """True under CI (``CI=true``, as .ci/run and most CI services set it)."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def locate(kind: str, split: str) -> Path | None:
    """The folder holding ``kind``'s ``split`` (images and labels) as nnlab finds it, else None.

    Call it at import time in modules whose fixtures later hide the environment from nnlab.
    """
    found = mnist.find(kind)
    paths = {found.get((split, part)) for part in mnist.PARTS}
    if None in paths or len({p.parent for p in paths}) != 1:
        return None
    return paths.pop().parent


def require(kind: str, split: str, folder: Path | None = None) -> Path:
    """The folder of the data (``folder`` if given, else :func:`locate`); skip, or fail in CI, without it."""
    folder = folder or locate(kind, split)
    if folder is not None:
        return folder
    var = mnist.ENV_VARS[kind]
    prefix = "t10k" if split == "test" else "train"
    names = f"{prefix}-images-idx3-ubyte.gz and {prefix}-labels-idx1-ubyte.gz"
    how = (f"the real {kind} {split} split is not on this machine ({names}): run `{GET_DATA}` (online), "
           f"or set {var} to a folder holding those files")
    if kind == "fashion":
        how += ", or `sudo apt-get install dataset-fashion-mnist`"
    if in_ci():
        pytest.fail(f"{how} (CI: this test may not skip)")
    pytest.skip(how)
