"""nnlab.pets: the cats-vs-dogs loader, on small folders of photos the tests write themselves.

Both layouts (the extracted Oxford-IIIT Pet archives and Microsoft's PetImages), the photos real
collections hold (grey, palette-less RGBA, CMYK, truncated and empty files), the decoded-image
cache, and the download path end to end through ``file://`` URLs: checksums accepted and
refused, atomic writes, and archives whose members would escape the data folder. Nothing here
touches the network.
"""
from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nnlab import pets

# Oxford names: capitalised breeds are cats (species 1), lower-case ones dogs (species 2).
OXFORD = {"trainval": [("Abyssinian_1", 1, 1), ("beagle_2", 5, 2), ("Bengal_3", 6, 1), ("pug_4", 26, 2),
                       ("Persian_5", 24, 1), ("boxer_6", 9, 2)],
          "test": [("Birman_7", 7, 1), ("havanese_8", 17, 2), ("Sphynx_9", 34, 1)]}


def _photo(path: Path, color, size=(40, 30), mode="RGB", fmt="JPEG") -> None:
    img = Image.new("RGB", size, color)
    if mode != "RGB":
        img = img.convert(mode)
    img.save(path, format=fmt)


def write_oxford(root: Path, broken: bool = True) -> Path:
    (root / "images").mkdir(parents=True)
    (root / "annotations").mkdir()
    for split, items in OXFORD.items():
        lines = ["#Image CLASS-ID SPECIES BREED ID", "#ID: 1:37 Class ids"]
        for name, class_id, species in items:
            color = (200, 30, 30) if species == 1 else (30, 30, 200)    # cats red, dogs blue
            _photo(root / "images" / f"{name}.jpg", color)
            lines.append(f"{name} {class_id} {species} 1")
        (root / "annotations" / f"{split}.txt").write_text("\n".join(lines) + "\n")
    # What real collections hold: a grey photo, a CMYK JPEG, a PNG behind a .jpg name (with alpha).
    _photo(root / "images" / "Persian_5.jpg", (90, 90, 90), mode="L")
    _photo(root / "images" / "boxer_6.jpg", (30, 30, 200), mode="CMYK")
    _photo(root / "images" / "pug_4.jpg", (30, 30, 200), mode="RGBA", fmt="PNG")
    if broken:
        good = (root / "images" / "beagle_2.jpg").read_bytes()
        (root / "images" / "beagle_2.jpg").write_bytes(good[: len(good) // 3])     # truncated
        (root / "images" / "havanese_8.jpg").write_bytes(b"")                       # empty
    return root


def test_oxford_layout_labels_splits_and_broken_files(tmp_path):
    root = write_oxford(tmp_path / "oxford")
    assert pets.layout(root) == "oxford" and pets.find(root) == root
    listed = pets.list_images(root)
    assert [label for _, label in listed["train"]] == [0, 1, 0, 1, 0, 1]
    assert [p.name for p, _ in listed["test"]] == ["Birman_7.jpg", "havanese_8.jpg", "Sphynx_9.jpg"]
    data = pets.load(root, size=16)
    assert data.source == "Oxford-IIIT Pet" and data.class_names == ("cat", "dog")
    assert data.train_images.shape == (5, 16, 16, 3) and data.train_images.dtype == np.uint8
    assert data.train_labels.tolist() == [0, 0, 1, 0, 1] and data.train_labels.dtype == np.int64
    assert data.test_images.shape == (2, 16, 16, 3) and data.test_labels.tolist() == [0, 0]
    assert sorted(Path(s).name for s in data.skipped) == ["beagle_2.jpg", "havanese_8.jpg"]
    # Colours survive decoding: cats red, dogs blue, the grey photo grey, CMYK and RGBA converted.
    red = data.train_images[0].reshape(-1, 3).mean(axis=0)
    assert red[0] > 150 and red[2] < 80
    blue = data.train_images[2].reshape(-1, 3).mean(axis=0)          # the RGBA PNG named .jpg (pug)
    assert blue[2] > 150 and blue[0] < 80
    grey = data.train_images[3].reshape(-1, 3).mean(axis=0)          # Persian, saved as grey levels
    assert np.ptp(grey) < 3


def test_the_decoded_images_are_cached(tmp_path, monkeypatch):
    root = write_oxford(tmp_path / "oxford")
    first = pets.load(root, size=12)
    assert (root / "pets-12px.npz").is_file()

    def no_decoding(path, size):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(pets, "read_image", no_decoding)
    again = pets.load(root, size=12)
    assert np.array_equal(again.train_images, first.train_images)
    assert np.array_equal(again.test_labels, first.test_labels) and again.skipped == first.skipped
    with pytest.raises(AssertionError, match="cache"):
        pets.load(root, size=10)                      # another size: decoded again


def test_limit_spreads_over_the_list_and_is_not_cached(tmp_path):
    root = write_oxford(tmp_path / "oxford", broken=False)
    data = pets.load(root, size=8, limit=3)
    assert len(data.train_labels) == 3 and set(data.train_labels.tolist()) == {0, 1}
    assert not (root / "pets-8px.npz").exists()


def test_centre_crop_then_resize(tmp_path):
    img = np.zeros((10, 30, 3), np.uint8)
    img[:, :10] = (255, 0, 0)
    img[:, 10:20] = (0, 255, 0)                       # the centred 10 x 10 square is green
    img[:, 20:] = (0, 0, 255)
    Image.fromarray(img).save(tmp_path / "wide.png")
    out = pets.read_image(tmp_path / "wide.png", 5)
    assert out.shape == (5, 5, 3) and out[..., 1].min() > 200 and out[..., [0, 2]].max() < 40
    (tmp_path / "junk.jpg").write_bytes(b"not an image at all")
    assert pets.read_image(tmp_path / "junk.jpg", 5) is None


def test_petimages_layout_splits_by_number(tmp_path):
    root = tmp_path / "ms"
    for name, color in (("Cat", (200, 30, 30)), ("Dog", (30, 30, 200))):
        (root / "PetImages" / name).mkdir(parents=True)
        for number in range(1, 11):
            _photo(root / "PetImages" / name / f"{number}.jpg", color)
        (root / "PetImages" / name / "Thumbs.db").write_bytes(b"\0")        # not a photo: ignored
    (root / "PetImages" / "Dog" / "7.jpg").write_bytes(b"\xff\xd8broken")
    assert pets.layout(root) == "petimages"
    data = pets.load(root, size=8)
    assert data.source == "Microsoft PetImages"
    assert data.test_labels.tolist() == [0, 0, 1, 1]                # numbers 5 and 10 of each class
    assert len(data.train_labels) == 15 and data.train_labels.tolist().count(1) == 7   # one dog broken
    assert [Path(s).name for s in data.skipped] == ["7.jpg"]


def test_missing_photos_say_so(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLAB_PETS_DIR", str(tmp_path / "nothing"))
    assert pets.default_root() == tmp_path / "nothing" and pets.find() is None
    with pytest.raises(pets.PetsUnavailable, match="download=True"):
        pets.load()
    with pytest.raises(pets.PetsUnavailable):
        pets.list_images(tmp_path)


# ------------------------------------------------------------------------------ download

def _archive(members: dict[str, bytes], path: Path) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, blob in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return path


def _fake_server(tmp_path: Path) -> tuple[Path, tuple]:
    """A folder served as file:// with the two archives of a tiny Oxford-layout data set."""
    source = write_oxford(tmp_path / "source", broken=False)
    server = tmp_path / "server"
    server.mkdir()
    images = {f"images/{p.name}": p.read_bytes() for p in sorted((source / "images").iterdir())}
    notes = {f"annotations/{p.name}": p.read_bytes() for p in sorted((source / "annotations").iterdir())}
    archives = []
    for filename, members in (("images.tar.gz", images), ("annotations.tar.gz", notes)):
        blob = _archive(members, server / filename).read_bytes()
        archives.append(pets.Archive(filename, len(blob), hashlib.sha256(blob).hexdigest(),
                                     hashlib.md5(blob).hexdigest()))
    return server, tuple(archives)


def test_download_verifies_extracts_and_loads(tmp_path, monkeypatch):
    server, archives = _fake_server(tmp_path)
    monkeypatch.setattr(pets, "ARCHIVES", archives)
    root = pets.download(tmp_path / "data", mirrors=["file:///nonexistent/", server.as_uri()])
    assert pets.layout(root) == "oxford"
    assert all((root / a.filename).is_file() for a in archives)
    data = pets.load(root, size=8)
    assert len(data.train_labels) == 6 and len(data.test_labels) == 3 and not data.skipped
    # Already present and verified: nothing is fetched again.
    pets.download(root, mirrors=[])
    # load(download=True) on an empty folder downloads first.
    monkeypatch.setattr(pets, "MIRRORS", [server.as_uri()])
    assert len(pets.load(tmp_path / "other", size=8, download=True).test_labels) == 3


def test_download_refuses_a_wrong_archive_and_keeps_nothing(tmp_path, monkeypatch):
    server, archives = _fake_server(tmp_path)
    wrong = (pets.Archive("images.tar.gz", archives[0].size, "0" * 64, "0" * 32), archives[1])
    monkeypatch.setattr(pets, "ARCHIVES", wrong)
    with pytest.raises(pets.PetsUnavailable, match="not the expected images.tar.gz"):
        pets.download(tmp_path / "data", mirrors=[server.as_uri()])
    assert not any((tmp_path / "data").iterdir()), "a rejected download must leave no file behind"


def test_download_offline_says_how_to_get_the_files(tmp_path):
    with pytest.raises(pets.PetsUnavailable, match="robots.ox.ac.uk"):
        pets.download(tmp_path / "data", mirrors=[(tmp_path / "no-server").as_uri()])


def test_real_checksums_are_recorded():
    """The two canonical archives, with the sizes and hashes two independent projects publish."""
    names = {a.filename: a for a in pets.ARCHIVES}
    assert names["images.tar.gz"].size == 791918971 and names["annotations.tar.gz"].size == 19173078
    for a in pets.ARCHIVES:
        assert len(a.sha256) == 64 and len(a.md5) == 32 and int(a.sha256, 16) and int(a.md5, 16)
    assert all(m.startswith("https://") and "robots.ox.ac.uk" in m for m in pets.MIRRORS)


def test_archive_members_cannot_escape_the_data_folder(tmp_path, monkeypatch):
    server = tmp_path / "server"
    server.mkdir()
    blob = _archive({"../escaped.txt": b"gotcha", "images/x.jpg": b""}, server / "images.tar.gz").read_bytes()
    monkeypatch.setattr(pets, "ARCHIVES", (pets.Archive("images.tar.gz", len(blob), hashlib.sha256(blob).hexdigest(),
                                                        hashlib.md5(blob).hexdigest()),))
    with pytest.raises(tarfile.FilterError):
        pets.download(tmp_path / "data", mirrors=[server.as_uri()])
    assert not (tmp_path / "escaped.txt").exists()
