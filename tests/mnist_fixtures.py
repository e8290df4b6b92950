"""Synthetic MNIST-like archives, a loopback mirror and isolation from the real machine.

A pytest plugin (tests/conftest.py loads it): ``synthetic`` and ``server`` are available to
every test; a module that uses them declares ``pytestmark = pytest.mark.usefixtures("isolated")``
so that nothing of the real machine (environment, system folders, mirrors) leaks in.
"""
from __future__ import annotations

import gzip
import hashlib
import http.server
import socket
import struct
import threading
import urllib.parse
from types import SimpleNamespace

import numpy as np
import pytest

from nnlab import mnist

N_TRAIN, N_TEST = 6, 4


# ----------------------------------------------------------------------------------------------
# helpers and fixtures
# ----------------------------------------------------------------------------------------------

def idx_bytes(arr: np.ndarray, code: int = 0x08) -> bytes:
    """IDX encoding written independently of the parser: magic, big-endian dims, data."""
    dtype = {0x08: ">u1", 0x0C: ">i4", 0x0D: ">f4"}[code]
    return (bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
            + np.ascontiguousarray(arr, dtype=dtype).tobytes())


def sha256(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No environment, system folder or real mirror leaks in; only 127.0.0.1 may be contacted."""
    for var in ("NNLAB_MNIST_DIR", "NNLAB_FASHION_MNIST_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NNLAB_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(mnist, "SYSTEM_DIRS", {"mnist": [], "fashion": []})
    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": [], "fashion": []})
    monkeypatch.setattr(mnist, "TIMEOUT", 5.0)
    for var in ("no_proxy", "NO_PROXY"):  # a proxy from the environment must not see 127.0.0.1
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    real_open = mnist._open_url

    def local_only(url, timeout):
        host = urllib.parse.urlsplit(url).hostname
        if host != "127.0.0.1":
            raise AssertionError(f"a test tried to reach the internet: {url}")
        return real_open(url, timeout)

    monkeypatch.setattr(mnist, "_open_url", local_only)


@pytest.fixture
def synthetic(monkeypatch, tmp_path):
    """Tiny MNIST-like and Fashion-like archives in tmp_path/src/<kind>, with a patched checksum table."""
    rng = np.random.default_rng(1)
    table = dict(mnist._ARCHIVES)
    arrays, dirs = {}, {}
    for kind in mnist.KINDS:
        folder = tmp_path / "src" / kind
        folder.mkdir(parents=True)
        dirs[kind] = folder
        for split, n in (("train", N_TRAIN), ("test", N_TEST)):
            for part in mnist.PARTS:
                name = mnist._ARCHIVES[kind, split, part].filename
                arr = (rng.integers(0, 256, (n, 28, 28)) if part == "images"
                       else rng.integers(0, 10, n)).astype(np.uint8)
                raw = idx_bytes(arr)
                blob = gzip.compress(raw, mtime=0)
                (folder / name).write_bytes(blob)
                arrays[kind, split, part] = arr
                table[kind, split, part] = mnist._Archive(name, arr.shape, len(blob), sha256(blob), sha256(raw))
    monkeypatch.setattr(mnist, "_ARCHIVES", table)
    return SimpleNamespace(arrays=arrays, dirs=dirs, table=table)


@pytest.fixture
def server(tmp_path):
    """A local HTTP server on 127.0.0.1 serving tmp_path/www; records the paths requested."""
    root = tmp_path / "www"
    root.mkdir()
    requests: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):  # keep test output clean
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(root=root, url=f"http://127.0.0.1:{httpd.server_port}/", requests=requests)
    finally:
        httpd.shutdown()
        httpd.server_close()


def dead_url() -> str:
    """A 127.0.0.1 URL nobody listens on (connection refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def publish(server, subdir: str, synthetic, kind: str = "mnist", corrupt: str | None = None) -> str:
    """Copy the synthetic archives of ``kind`` to the server under ``subdir``; return the mirror URL."""
    folder = server.root / subdir
    folder.mkdir()
    for src in synthetic.dirs[kind].iterdir():
        blob = src.read_bytes()
        if src.name == corrupt:
            raw = bytearray(gzip.decompress(blob))
            raw[-1] ^= 0xFF  # still a valid IDX file, wrong content
            blob = gzip.compress(bytes(raw), mtime=0)
        (folder / src.name).write_bytes(blob)
    return f"{server.url}{subdir}/"
