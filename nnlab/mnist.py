"""MNIST and Fashion-MNIST: find a local copy, or download and verify one.

>>> images, labels = load("fashion", "test")      # uint8 (10000, 28, 28), uint8 (10000,)
>>> kind, images, labels = load_digits_or_fashion("train")   # kind says which data set it is

Where the four IDX archives of a data set are looked for, in this order (per file):

1. the ``data_dir`` argument of :func:`load`;
2. the folder in the environment variable ``NNLAB_MNIST_DIR`` / ``NNLAB_FASHION_MNIST_DIR``;
3. the system folder of the Debian package ``dataset-fashion-mnist`` (Fashion-MNIST only);
4. the cache: ``$NNLAB_DATA_DIR/<kind>/``, else ``<repo>/data/<kind>/`` when this package sits
   in a checkout of the course repository, else ``~/.cache/nnlab/<kind>/``.

A folder may hold the canonical ``.gz`` archive or its decompressed version (same name
without ``.gz``). When no local copy exists the archive is downloaded into the cache from the
mirrors in :data:`MIRRORS` (first that works) and checked against the SHA-256 sums below
before it is used; ``python data/download.py`` does this ahead of time. Local copies are
checked too, so a damaged or wrong file fails loudly instead of training on garbage.

Local folders are only ever read: a read-only folder (a system package, a folder the grader
binds into its sandbox) works as it is. While autograding (``NBGRADER_EXECUTION=autograde``)
nothing is downloaded and no folder is created: the grader provides the data through the
environment variables above (``autograder.grading_data``), and a missing file is reported
as such.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import struct
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "CLASS_NAMES",
    "ENV_VARS",
    "available",
    "ensure",
    "find",
    "load",
    "load_digits_or_fashion",
]

KINDS = ("mnist", "fashion")
SPLITS = ("train", "test")
PARTS = ("images", "labels")

#: Human-readable names of the 10 classes, indexed by label.
CLASS_NAMES: dict[str, list[str]] = {
    "mnist": [str(d) for d in range(10)],
    "fashion": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
}

_TITLES = {"mnist": "MNIST", "fashion": "Fashion-MNIST"}
#: The environment variable naming a folder that holds each data set.
ENV_VARS: dict[str, str] = {"mnist": "NNLAB_MNIST_DIR", "fashion": "NNLAB_FASHION_MNIST_DIR"}

#: Folders installed by system packages (Debian ``dataset-fashion-mnist``).
SYSTEM_DIRS: dict[str, list[str]] = {
    "mnist": [],
    "fashion": ["/usr/share/datasets/fashion-mnist"],
}

#: Base URLs tried in order; the file name is appended.
MIRRORS: dict[str, list[str]] = {
    "mnist": ["https://ossci-datasets.s3.amazonaws.com/mnist/",
              "https://storage.googleapis.com/cvdf-datasets/mnist/"],
    "fashion": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
}

#: Seconds to wait for a mirror to answer (per connection attempt / read).
TIMEOUT = 30.0


@dataclass(frozen=True)
class _Archive:
    """One IDX archive and what a good copy of it looks like."""
    filename: str                 # canonical name of the .gz archive
    shape: tuple[int, ...]        # shape of the array it holds
    size: int | None = None       # bytes of the reference .gz (informative, for messages)
    gz_sha256: str | None = None  # SHA-256 of the reference .gz
    raw_sha256: str | None = None  # SHA-256 of the decompressed IDX content
    gz_md5: str | None = None     # upstream-published MD5 of the .gz, when it differs from ours


# A file is accepted when its .gz SHA-256 *or* its decompressed SHA-256 (or the upstream MD5)
# matches: copies that were re-gzipped differ in their .gz bytes but not in their content.
_ARCHIVES: dict[tuple[str, str, str], _Archive] = {
    # MNIST: the canonical archives (identical on both mirrors).
    ("mnist", "train", "images"): _Archive(
        "train-images-idx3-ubyte.gz", (60000, 28, 28), 9912422,
        gz_sha256="440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        # No decompressed hash: no copy of the training images was at hand to measure it
        # honestly. A local (possibly re-gzipped) copy is therefore accepted by its .gz hash
        # OR, failing that, by a valid IDX header for 60000 x 28 x 28 uint8 images (see
        # _read_verified); a download must match the .gz hash.
        raw_sha256=None),
    ("mnist", "train", "labels"): _Archive(
        "train-labels-idx1-ubyte.gz", (60000,), 28881,
        gz_sha256="3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        raw_sha256="65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    ("mnist", "test", "images"): _Archive(
        "t10k-images-idx3-ubyte.gz", (10000, 28, 28), 1648877,
        gz_sha256="8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        raw_sha256="0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    ("mnist", "test", "labels"): _Archive(
        "t10k-labels-idx1-ubyte.gz", (10000,), 4542,
        gz_sha256="f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        raw_sha256="ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    # Fashion-MNIST: sizes and SHA-256 sums measured (2026-11-22) from the files of the Debian
    # package dataset-fashion-mnist 0.0~git20200523.55506a9-1 in /usr/share/datasets/fashion-mnist/.
    # Those .gz files are not byte-identical to the upstream archives: their MD5 differs from the
    # upstream-published one and their gzip header carries no file name (flags byte 0), so a
    # download from the upstream mirror is accepted by the SHA-256 of its decompressed content,
    # or by the MD5 that torchvision publishes for the upstream archive (gz_md5).
    ("fashion", "train", "images"): _Archive(
        "train-images-idx3-ubyte.gz", (60000, 28, 28), 26421856,
        gz_sha256="b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
        raw_sha256="c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        gz_md5="8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    ("fashion", "train", "labels"): _Archive(
        "train-labels-idx1-ubyte.gz", (60000,), 29491,
        gz_sha256="0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
        raw_sha256="bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        gz_md5="25c81989df183df01b3e8a0aad5dffbe"),
    ("fashion", "test", "images"): _Archive(
        "t10k-images-idx3-ubyte.gz", (10000, 28, 28), 4422079,
        gz_sha256="cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
        raw_sha256="5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        gz_md5="bef4ecab320f06d8554ea6380940ec79"),
    ("fashion", "test", "labels"): _Archive(
        "t10k-labels-idx1-ubyte.gz", (10000,), 5125,
        gz_sha256="8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
        raw_sha256="0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        gz_md5="bb300cfdad3c16e7a12a480ee83cd310"),
}

# IDX type codes (third byte of the magic number) -> big-endian numpy dtype.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

# The course repository keeps downloads next to data/download.py (git-ignored).
_REPO_DATA = Path(__file__).resolve().parent.parent / "data"


# --------------------------------------------------------------------------------------------
# IDX parsing
# --------------------------------------------------------------------------------------------

def _parse_idx(raw: bytes, source: str = "<bytes>") -> np.ndarray:
    """Decode the (decompressed) bytes of an IDX file into a native-endian array.

    Layout: 2 zero bytes, a type code, the number of dimensions ``d``, ``d`` big-endian
    uint32 sizes, then the data. Raises ``ValueError`` naming ``source`` when any of it
    is off (wrong magic number, truncated header or data, trailing bytes).
    """
    if len(raw) < 4:
        raise ValueError(f"{source}: not an IDX file (only {len(raw)} bytes; the file is truncated or empty)")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES or raw[3] == 0:
        raise ValueError(f"{source}: bad IDX magic number 0x{raw[:4].hex()} (expected 0x0000, a type "
                         f"code such as 08 for uint8, then the number of dimensions): "
                         f"the file is corrupt or not an IDX file")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{source}: truncated IDX header ({len(raw)} bytes, {ndim} dimensions need {header})")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    count = int(np.prod(dims, dtype=np.int64))
    expected = count * dtype.itemsize
    found = len(raw) - header
    if found < expected:
        raise ValueError(f"{source}: truncated IDX file: the header announces shape {dims} "
                         f"({expected} bytes of data) but only {found} bytes follow")
    if found > expected:
        raise ValueError(f"{source}: corrupt IDX file: {found - expected} unexpected bytes after "
                         f"the {expected} bytes of data announced for shape {dims}")
    data = np.frombuffer(raw, dtype=dtype, count=count, offset=header).reshape(dims)
    return data.astype(dtype.newbyteorder("="))  # a writable, native-endian copy


def _decompress(blob: bytes, source: str) -> bytes:
    """Gunzip ``blob`` if it is gzip data (by its magic bytes), else return it unchanged."""
    if blob[:2] != b"\x1f\x8b":
        return blob
    try:
        return gzip.decompress(blob)
    except (EOFError, OSError, zlib.error) as exc:
        raise ValueError(f"{source}: corrupt or truncated gzip archive ({exc})") from None


def _sha256(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def _hash_ok(archive: _Archive, blob: bytes, raw: bytes) -> bool:
    """True when ``blob`` (as stored) or ``raw`` (decompressed) matches a reference checksum."""
    if archive.gz_sha256 and _sha256(blob) == archive.gz_sha256:
        return True
    if archive.gz_md5 and hashlib.md5(blob).hexdigest() == archive.gz_md5:
        return True
    return bool(archive.raw_sha256) and _sha256(raw) == archive.raw_sha256


def _describe(kind: str, archive: _Archive) -> str:
    what = "images" if len(archive.shape) == 3 else "labels"
    return f"{_TITLES[kind]} {archive.filename} ({archive.shape[0]} {what})"


def _check_array(arr: np.ndarray, archive: _Archive, source: str) -> np.ndarray:
    if arr.dtype != np.uint8:
        raise ValueError(f"{source}: expected uint8 data, the IDX header says {arr.dtype}")
    if arr.shape != archive.shape:
        raise ValueError(f"{source}: expected an array of shape {archive.shape}, the file holds {arr.shape}")
    if arr.ndim == 1 and arr.size and arr.max() > 9:
        raise ValueError(f"{source}: labels must be 0..9, found {int(arr.max())}")
    return arr


def _read_verified(path: Path, archive: _Archive, kind: str) -> np.ndarray:
    """Read, checksum and parse one archive (``.gz`` or decompressed)."""
    source = str(path)
    blob = path.read_bytes()
    raw = _decompress(blob, source)
    arr = _parse_idx(raw, source)
    _check_array(arr, archive, source)
    if not _hash_ok(archive, blob, raw):
        if archive.raw_sha256 is None:
            # Only MNIST training images: no decompressed hash is recorded (see _ARCHIVES), so a
            # re-gzipped local copy is accepted on its valid 60000x28x28 uint8 header alone.
            return arr
        raise ValueError(
            f"{source}: checksum mismatch: this is not the expected {_describe(kind, archive)}.\n"
            f"  SHA-256 of the file:         {_sha256(blob)} (expected {archive.gz_sha256})\n"
            f"  SHA-256 of its decompressed content: {_sha256(raw)} (expected {archive.raw_sha256})\n"
            f"Delete or replace the file (python data/download.py --kind {kind} fetches a good copy).")
    return arr


def _header_ok(path: Path, archive: _Archive) -> bool:
    """Cheap check (first bytes only) that ``path`` announces the array ``archive`` holds."""
    try:
        with open(path, "rb") as fh:
            opener = gzip.open if fh.read(2) == b"\x1f\x8b" else open
        with opener(path, "rb") as fh:
            head = fh.read(4 + 4 * len(archive.shape))
    except (OSError, EOFError, zlib.error):
        return False
    if len(head) != 4 + 4 * len(archive.shape) or head[:4] != bytes([0, 0, 0x08, len(archive.shape)]):
        return False
    return struct.unpack(f">{len(archive.shape)}I", head[4:]) == archive.shape


# --------------------------------------------------------------------------------------------
# Locations
# --------------------------------------------------------------------------------------------

def _check_args(kind: str, split: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")


def _cache_dir(kind: str) -> Path:
    """Where downloads go: $NNLAB_DATA_DIR/<kind>, <repo>/data/<kind>, or ~/.cache/nnlab/<kind>."""
    env = os.environ.get("NNLAB_DATA_DIR")
    if env:
        return Path(env).expanduser() / kind
    if (_REPO_DATA / "download.py").is_file():
        return _REPO_DATA / kind
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache_home).expanduser() / "nnlab" / kind


def _search_dirs(kind: str, data_dir: str | os.PathLike | None) -> list[tuple[Path, str]]:
    """Folders to look in, in order, each with why it is searched (for messages)."""
    dirs: list[tuple[Path, str]] = []
    if data_dir is not None:
        dirs.append((Path(data_dir).expanduser(), "data_dir argument"))
    env = os.environ.get(ENV_VARS[kind])
    if env:
        dirs.append((Path(env).expanduser(), f"${ENV_VARS[kind]}"))
    dirs += [(Path(d), "system package") for d in SYSTEM_DIRS.get(kind, [])]
    dirs.append((_cache_dir(kind), "cache"))
    return dirs


def _find_local(kind: str, archive: _Archive, data_dir=None) -> Path | None:
    """First existing copy (``.gz`` preferred, else decompressed) in the search folders."""
    raw_name = archive.filename[:-3] if archive.filename.endswith(".gz") else archive.filename
    for folder, _ in _search_dirs(kind, data_dir):
        for name in (archive.filename, raw_name):
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None


# --------------------------------------------------------------------------------------------
# Download
# --------------------------------------------------------------------------------------------

def _open_url(url: str, timeout: float):
    """urlopen, isolated so that tests can check no request leaves the machine."""
    request = urllib.request.Request(url, headers={"User-Agent": "nnlab (course helper)"})
    return urllib.request.urlopen(request, timeout=timeout)


def _fetch(url: str, target: Path, archive: _Archive) -> Path:
    """Download ``url`` to ``target`` atomically; raise ``ValueError`` if the checksum is wrong."""
    from tqdm.auto import tqdm

    from . import runtime

    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, _open_url(url, TIMEOUT) as response:
            total = response.headers.get("Content-Length")
            with tqdm(total=int(total) if total and total.isdigit() else None, unit="B",
                      unit_scale=True, desc=archive.filename, leave=False,
                      disable=runtime.AUTOGRADING) as bar:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
                    bar.update(len(chunk))
        blob = tmp.read_bytes()
        raw = _decompress(blob, url)
        if not _hash_ok(archive, blob, raw):
            expected = (f"SHA-256 {archive.gz_sha256}" if archive.gz_sha256
                        else f"decompressed SHA-256 {archive.raw_sha256}")
            raise ValueError(f"checksum mismatch: got {len(blob)} bytes with SHA-256 {_sha256(blob)}, "
                             f"expected {archive.size or '?'} bytes with {expected}")
        _check_array(_parse_idx(raw, url), archive, url)
        os.replace(tmp, target)  # atomic: a half-written file never has the final name
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _not_found(kind: str, archive: _Archive, data_dir, tried: str) -> FileNotFoundError:
    looked = "\n".join(f"  - {folder} ({why})" for folder, why in _search_dirs(kind, data_dir))
    return FileNotFoundError(
        f"Could not find or download the {_describe(kind, archive)}.\n"
        f"Looked for a local copy in:\n{looked}\n"
        f"{tried}\n"
        f"To use a local copy, put {archive.filename} (or its decompressed version) in a folder and set "
        f"the environment variable {ENV_VARS[kind]}=/path/to/folder, or pass "
        f"data_dir='/path/to/folder' to nnlab.mnist.load(). On a machine with internet access, "
        f"`python data/download.py --kind {kind}` downloads and verifies all four files.")


def _download(kind: str, archive: _Archive, dest: Path, data_dir=None) -> Path:
    """Try every mirror in turn; one clear error if none delivers a verified copy.

    Never while autograding: the grader's kernel has no network and a read-only file system,
    and the data sets are the grader's to provide (``autograder.grading_data``).
    """
    from . import runtime

    if runtime.AUTOGRADING:
        raise _not_found(kind, archive, data_dir,
                         f"Nothing is downloaded while autograding: the grader provides the data sets "
                         f"(it sets {ENV_VARS[kind]} to a read-only folder holding them).")
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PermissionError(f"cannot create the download folder {dest} ({exc}); set NNLAB_DATA_DIR "
                              f"to a writable folder") from None
    failures = []
    for base in MIRRORS[kind]:
        url = base.rstrip("/") + "/" + archive.filename
        try:
            return _fetch(url, dest / archive.filename, archive)
        except (OSError, ValueError) as exc:  # URLError, HTTPError, timeouts are OSErrors
            failures.append(f"  - {url}: {exc}")
    tried = "\n".join(failures) or "  (no mirrors configured)"
    raise _not_found(kind, archive, data_dir, f"Tried to download it from:\n{tried}")


def ensure(kind: str, dest: str | os.PathLike | None = None) -> list[Path]:
    """Make sure all four archives of ``kind`` exist locally and verify them (``data/download.py``).

    With ``dest`` the files are checked / downloaded in that folder, else wherever
    :func:`load` finds them (downloads go to the cache, with a progress bar). Returns the
    four verified paths; raises ``FileNotFoundError`` (offline, no local copy) or
    ``ValueError`` (a corrupt file).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    paths = []
    for split in SPLITS:
        for part in PARTS:
            archive = _ARCHIVES[kind, split, part]
            if dest is not None:
                folder = Path(dest).expanduser()
                path = folder / archive.filename
                if not path.is_file():
                    path = _download(kind, archive, folder, data_dir=folder)
            else:
                path = _find_local(kind, archive) or _download(kind, archive, _cache_dir(kind))
            _read_verified(path, archive, kind)
            paths.append(path)
    return paths


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------

def load(kind: str = "mnist", split: str = "train",
         data_dir: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Load one split of MNIST (``kind="mnist"``) or Fashion-MNIST (``kind="fashion"``).

    Looks for local copies first (see the module docstring), downloads into the cache
    otherwise, and verifies every file (checksums, IDX header, counts).

    Returns:
        images: ``(N, 28, 28)`` uint8, 0 (background) to 255; N = 60000 (train) or 10000 (test).
        labels: ``(N,)`` uint8 in 0..9 (names in ``CLASS_NAMES[kind]``).

    Raises:
        FileNotFoundError: no local copy and no mirror reachable (the message says where it
            looked and how to point at a local copy).
        ValueError: a file is corrupt, truncated or fails its checksum.
    """
    _check_args(kind, split)
    arrays = []
    for part in PARTS:
        archive = _ARCHIVES[kind, split, part]
        path = _find_local(kind, archive, data_dir)
        if path is None:
            path = _download(kind, archive, _cache_dir(kind), data_dir)
        arrays.append(_read_verified(path, archive, kind))
    images, labels = arrays
    if len(images) != len(labels):  # only possible with a patched archive table
        raise ValueError(f"{len(images)} images but {len(labels)} labels for {kind} {split}")
    return images, labels


def available(kind: str = "mnist", split: str = "train", data_dir=None) -> bool:
    """True when images and labels of this split are on disk (no download, no exception).

    Only the file headers are checked here (fast); :func:`load` verifies the checksums.
    """
    _check_args(kind, split)
    for part in PARTS:
        archive = _ARCHIVES[kind, split, part]
        path = _find_local(kind, archive, data_dir)
        if path is None or not _header_ok(path, archive):
            return False
    return True


def find(kind: str) -> dict[tuple[str, str], Path]:
    """Local copies of the archives of ``kind``: ``{(split, part): path}`` (no download).

    Only files whose IDX header announces the right array are listed, so a dict of four
    entries means the data set is complete on disk; :func:`ensure` verifies the checksums.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    found = {}
    for split in SPLITS:
        for part in PARTS:
            archive = _ARCHIVES[kind, split, part]
            path = _find_local(kind, archive)
            if path is not None and _header_ok(path, archive):
                found[split, part] = path
    return found


def load_digits_or_fashion(split: str = "train") -> tuple[str, np.ndarray, np.ndarray]:
    """MNIST when both of its splits are on disk, else Fashion-MNIST (same shapes, 10 classes).

    Returns ``(kind, images, labels)`` where ``kind`` is ``"mnist"`` or ``"fashion"``: say in
    the notebook which data set the results are on (``CLASS_NAMES[kind]`` names the labels).
    Never downloads MNIST (run ``python data/download.py --kind mnist`` for that); Fashion-MNIST
    is downloaded if it is not installed either.
    """
    _check_args("mnist", split)
    kind = "mnist" if available("mnist", "train") and available("mnist", "test") else "fashion"
    images, labels = load(kind, split)
    return kind, images, labels
