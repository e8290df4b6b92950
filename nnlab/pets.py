"""Cats and dogs: photos of pets as a two-class data set (label 0 = cat, 1 = dog).

>>> data = load(size=64, download=True)   # fetches and verifies the archives when they are missing
>>> data.train_images.shape, data.train_labels[:5]     # (3680, 64, 64, 3) uint8, 0 = cat / 1 = dog

The data set is the **Oxford-IIIT Pet Dataset** (O. M. Parkhi, A. Vedaldi, A. Zisserman and
C. V. Jawahar, "Cats and Dogs", CVPR 2012; https://www.robots.ox.ac.uk/~vgg/data/pets/, licence
CC BY-SA 4.0): 7349 photos of 37 breeds, 12 of cats and 25 of dogs, with the authors' own split
(``annotations/trainval.txt``: 3680 images, ``annotations/test.txt``: 3669) whose third column is
the species (1 = cat, 2 = dog). :func:`download` fetches ``images.tar.gz`` (about 790 MB) and
``annotations.tar.gz`` (about 19 MB) from the authors' server, checks each against its size and
SHA-256 (the sums TensorFlow Datasets records) or MD5 (the sums torchvision records) before
extracting it, and refuses archive members that would land outside the data folder.

A folder laid out as Microsoft's *PetImages* (``PetImages/Cat/*.jpg``, ``PetImages/Dog/*.jpg``,
the Asirra images of the Kaggle "Dogs vs. Cats" competition, downloaded by hand) is read too;
its test split is every image whose number is a multiple of 5 (a fixed, reproducible 20 %).

Where the data are looked for, first hit wins: the ``root`` argument; ``$NNLAB_PETS_DIR``; the
cache ``$NNLAB_DATA_DIR/pets``, else ``<repo>/data/pets`` in a checkout of the course, else
``~/.cache/nnlab/pets``. Decoded, resized images are cached next to the photos
(``pets-<size>px.npz``) so that only the first :func:`load` decodes the JPEGs. Photos that cannot
be decoded (the collections hold a few broken files) are skipped and listed in ``skipped``.
Pillow is needed to decode the photos (it is imported only then).
"""
from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["ARCHIVES", "CLASS_NAMES", "MIRRORS", "PetsData", "PetsUnavailable", "default_root",
           "download", "find", "layout", "list_images", "load", "read_image"]

#: Label 0 and label 1.
CLASS_NAMES = ("cat", "dog")

#: Base URLs of the authors' server, tried in order (the archive name is appended).
MIRRORS = ["https://thor.robots.ox.ac.uk/~vgg/data/pets/",
           "https://www.robots.ox.ac.uk/~vgg/data/pets/data/"]

#: Seconds to wait for a server to answer (per connection attempt / read).
TIMEOUT = 30.0


@dataclass(frozen=True)
class Archive:
    """One archive of the data set and what a good copy of it looks like."""
    filename: str
    size: int       # bytes
    sha256: str     # as recorded by TensorFlow Datasets (oxford_iiit_pet/checksums.tsv)
    md5: str        # as recorded by torchvision (datasets/oxford_iiit_pet.py)


ARCHIVES = (
    Archive("images.tar.gz", 791918971,
            "67195c5e1c01f1ab5f9b6a5d22b8c27a580d896ece458917e61d459337fa318d",
            "5c4f3ee8e5d25df40f4fd59a7f44e54c"),
    Archive("annotations.tar.gz", 19173078,
            "52425fb6de5c424942b7626b428656fcbd798db970a937df61750c0f1d358e91",
            "95a8c909bbe2e81eed6a22bccdf3f68f"),
)

_REPO_DATA = Path(__file__).resolve().parent.parent / "data"
_SPLITS = ("train", "test")
_OXFORD_LISTS = {"train": "trainval.txt", "test": "test.txt"}


class PetsUnavailable(FileNotFoundError):
    """The photos are neither on this computer nor downloadable (offline): the message says
    where they were looked for and how to get them."""


@dataclass
class PetsData:
    """Both splits as arrays: images ``(N, size, size, 3)`` uint8 RGB, labels ``(N,)`` int64."""
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    source: str                                   # "Oxford-IIIT Pet" or "Microsoft PetImages"
    root: Path
    class_names: tuple[str, str] = CLASS_NAMES
    skipped: list[str] = field(default_factory=list)  # photos that could not be decoded


# ------------------------------------------------------------------------------ locations

def default_root() -> Path:
    """``$NNLAB_PETS_DIR``, else ``$NNLAB_DATA_DIR/pets``, ``<repo>/data/pets`` or ``~/.cache/nnlab/pets``."""
    if os.environ.get("NNLAB_PETS_DIR"):
        return Path(os.environ["NNLAB_PETS_DIR"]).expanduser()
    if os.environ.get("NNLAB_DATA_DIR"):
        return Path(os.environ["NNLAB_DATA_DIR"]).expanduser() / "pets"
    if (_REPO_DATA / "download.py").is_file():
        return _REPO_DATA / "pets"
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache_home).expanduser() / "nnlab" / "pets"


def layout(root: str | os.PathLike) -> str | None:
    """``"oxford"``, ``"petimages"`` or ``None`` (no usable photos under ``root``)."""
    root = Path(root)
    if (root / "images").is_dir() and all((root / "annotations" / f).is_file() for f in _OXFORD_LISTS.values()):
        return "oxford"
    if all((root / "PetImages" / name).is_dir() for name in ("Cat", "Dog")):
        return "petimages"
    return None


def find(root: str | os.PathLike | None = None) -> Path | None:
    """The first candidate folder (``root`` if given, else :func:`default_root`) holding a known layout."""
    candidate = Path(root).expanduser() if root is not None else default_root()
    return candidate if layout(candidate) else None


def _oxford_split(root: Path, split: str) -> list[tuple[Path, int]]:
    items = []
    listing = root / "annotations" / _OXFORD_LISTS[split]
    for number, line in enumerate(listing.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) < 3 or fields[2] not in ("1", "2"):
            raise ValueError(f"{listing}, line {number}: expected 'name class species breed' with "
                             f"species 1 (cat) or 2 (dog), got {line!r}")
        items.append((root / "images" / f"{fields[0]}.jpg", int(fields[2]) - 1))
    return items


def _petimages_split(root: Path, split: str) -> list[tuple[Path, int]]:
    items = []
    for label, name in enumerate(("Cat", "Dog")):
        for path in sorted((root / "PetImages" / name).glob("*.jpg")):
            number = int(path.stem) if path.stem.isdigit() else None
            in_test = number is not None and number % 5 == 0
            if number is not None and in_test == (split == "test"):
                items.append((path, label))
    return items


def list_images(root: str | os.PathLike) -> dict[str, list[tuple[Path, int]]]:
    """``{"train": [(path, label), ...], "test": [...]}`` for the layout found under ``root``."""
    root = Path(root)
    kind = layout(root)
    if kind is None:
        raise PetsUnavailable(f"no cat/dog photos under {root} (expected images/ and annotations/ "
                              f"of the Oxford-IIIT Pet archives, or PetImages/Cat and PetImages/Dog)")
    reader = _oxford_split if kind == "oxford" else _petimages_split
    return {split: reader(root, split) for split in _SPLITS}


# ------------------------------------------------------------------------------ decoding

def read_image(path: str | os.PathLike, size: int) -> np.ndarray | None:
    """One photo as ``(size, size, 3)`` uint8 RGB: the centred square crop, resized; ``None``
    when the file cannot be decoded (empty, truncated, not an image)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img = img.convert("RGB")         # grey, palette, RGBA and CMYK photos exist
            w, h = img.size
            side = min(w, h)
            if side == 0:
                return None
            left, top = (w - side) // 2, (h - side) // 2
            img = img.crop((left, top, left + side, top + side))
            img = img.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0)
            return np.asarray(img, dtype=np.uint8).copy()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None


def _decode_split(items: list[tuple[Path, int]], size: int, desc: str):
    from .runtime import progress

    images, labels, skipped = [], [], []
    for path, label in progress(items, desc=desc, leave=False):
        img = read_image(path, size)
        if img is None:
            skipped.append(str(path))
            continue
        images.append(img)
        labels.append(label)
    stacked = np.stack(images) if images else np.zeros((0, size, size, 3), np.uint8)
    return stacked, np.asarray(labels, dtype=np.int64), skipped


# ------------------------------------------------------------------------------ download

def _hashes(path: Path) -> tuple[str, str]:
    sha, md5 = hashlib.sha256(), hashlib.md5()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            sha.update(chunk)
            md5.update(chunk)
    return sha.hexdigest(), md5.hexdigest()


def _verified(path: Path, archive: Archive) -> bool:
    """True when ``path`` has the archive's size and its SHA-256 or its MD5."""
    if not path.is_file() or path.stat().st_size != archive.size:
        return False
    sha, md5 = _hashes(path)
    return sha == archive.sha256 or md5 == archive.md5


def _fetch(url: str, target: Path, archive: Archive, timeout: float) -> None:
    """Download ``url`` to ``target`` atomically; ``ValueError`` if it is not the expected archive."""
    from tqdm.auto import tqdm

    from . import runtime

    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "nnlab (course helper)"})
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=timeout) as response, \
                tqdm(total=archive.size, unit="B", unit_scale=True, desc=archive.filename, leave=False,
                     disable=runtime.AUTOGRADING) as bar:
            while chunk := response.read(1 << 20):
                out.write(chunk)
                bar.update(len(chunk))
        if not _verified(tmp, archive):
            sha, _ = _hashes(tmp)
            raise ValueError(f"not the expected {archive.filename}: got {tmp.stat().st_size} bytes with "
                             f"SHA-256 {sha}, expected {archive.size} bytes with SHA-256 {archive.sha256}")
        os.replace(tmp, target)          # a half-written file never has the final name
    finally:
        tmp.unlink(missing_ok=True)


def _extract(path: Path, dest: Path) -> None:
    # The archives are tar files (gzipped or not, whatever their name says). The "data" filter
    # refuses absolute paths, links and members that would land outside ``dest``.
    with tarfile.open(path, "r:*") as tar:
        tar.extractall(dest, filter="data")


def download(root: str | os.PathLike | None = None, *, mirrors: list[str] | None = None,
             timeout: float = TIMEOUT) -> Path:
    """Fetch, verify and extract the Oxford-IIIT Pet archives into ``root``; return ``root``.

    Archives already present and verified are not downloaded again. Raises
    :class:`PetsUnavailable` when no server delivers a verified copy (offline, for instance).
    """
    root = Path(root).expanduser() if root is not None else default_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PetsUnavailable(f"cannot create {root} ({exc}): pass a writable root or set NNLAB_PETS_DIR") from None
    for archive in ARCHIVES:
        target = root / archive.filename
        if not _verified(target, archive):
            failures = []
            for base in mirrors if mirrors is not None else MIRRORS:
                url = base.rstrip("/") + "/" + archive.filename
                try:
                    _fetch(url, target, archive, timeout)
                    break
                except (OSError, ValueError) as exc:   # URLError, HTTPError and timeouts are OSErrors
                    failures.append(f"  - {url}: {exc}")
            else:
                tried = "\n".join(failures) or "  (no server configured)"
                raise PetsUnavailable(
                    f"could not download {archive.filename} of the Oxford-IIIT Pet data set:\n{tried}\n"
                    f"Offline? Download images.tar.gz and annotations.tar.gz from "
                    f"https://www.robots.ox.ac.uk/~vgg/data/pets/ on a connected computer, put them in "
                    f"{root} (or set NNLAB_PETS_DIR) and call nnlab.pets.download() again to verify "
                    f"and extract them.")
    if layout(root) != "oxford":                  # extract once, not at every call
        for archive in ARCHIVES:
            _extract(root / archive.filename, root)
    if layout(root) != "oxford":
        raise PetsUnavailable(f"the archives in {root} did not contain images/ and annotations/")
    return root


_download_archives = download     # :func:`load` has an argument of the same name


# ------------------------------------------------------------------------------ public loader

def load(root: str | os.PathLike | None = None, *, size: int = 64, download: bool = False,
         limit: int | None = None) -> PetsData:
    """Both splits of the cats-vs-dogs photos, decoded to ``size x size`` RGB.

    Args:
        root: folder holding the photos (see the module docstring); default :func:`default_root`.
        size: side of the square images returned (centre crop, then resize).
        download: when no photos are found, fetch the Oxford-IIIT Pet archives (verified).
        limit: keep at most this many photos per split (evenly spread over the list, so both
            classes stay represented); ``None`` keeps all. Limited loads are not cached.

    Raises:
        PetsUnavailable: no photos found and ``download`` is false or the download failed.
    """
    if size < 1:
        raise ValueError(f"size must be a positive number of pixels, got {size}")
    base = Path(root).expanduser() if root is not None else default_root()
    if layout(base) is None:
        if not download:
            raise PetsUnavailable(f"no cat/dog photos in {base}: call nnlab.pets.load(download=True) "
                                  f"when online, or point root= / NNLAB_PETS_DIR at a folder holding "
                                  f"the extracted Oxford-IIIT Pet archives or Microsoft's PetImages")
        _download_archives(base)
    kind = layout(base)
    source = {"oxford": "Oxford-IIIT Pet", "petimages": "Microsoft PetImages"}[kind]
    cache = base / f"pets-{size}px.npz"
    if limit is None and cache.is_file():
        with np.load(cache, allow_pickle=False) as z:
            return PetsData(z["train_images"], z["train_labels"], z["test_images"], z["test_labels"],
                            source, base, skipped=[str(s) for s in z["skipped"]])
    splits = list_images(base)
    arrays, skipped = {}, []
    for split in _SPLITS:
        items = splits[split]
        if limit is not None and len(items) > limit:
            keep = np.linspace(0, len(items) - 1, limit).round().astype(int)
            items = [items[i] for i in keep]
        arrays[split] = _decode_split(items, size, f"{source} {split}")
        skipped += arrays[split][2]
    data = PetsData(arrays["train"][0], arrays["train"][1], arrays["test"][0], arrays["test"][1],
                    source, base, skipped=skipped)
    if limit is None:
        try:
            np.savez(cache, train_images=data.train_images, train_labels=data.train_labels,
                     test_images=data.test_images, test_labels=data.test_labels,
                     skipped=np.asarray(skipped, dtype=str))
        except OSError:          # a read-only folder only costs the decoding next time
            pass
    return data
