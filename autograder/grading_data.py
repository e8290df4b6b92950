"""Data sets for grading: found (or fetched) once per run, before any unit starts.

Labs 02 and 06 train on MNIST, or on Fashion-MNIST when MNIST is not on the machine
(``nnlab.mnist.load_digits_or_fashion``).  A sandboxed kernel has no network and a read-only
file system, so it cannot download anything: the grader looks for the data sets here, in the
order ``nnlab.mnist`` itself uses (``NNLAB_MNIST_DIR`` / ``NNLAB_FASHION_MNIST_DIR``, Debian's
``/usr/share/datasets/fashion-mnist``, the ``data/`` cache that ``make data`` fills), fetches
what is missing from the canonical mirrors (SHA-256 verified, with a progress bar) when the
machine is online, and returns one :class:`DataMount` per data set found: a host folder to
bind read-only into every sandbox and the environment variable that points the kernel at it.
``nnlab.mnist`` reads such a folder in place; it never creates or copies anything while
autograding.

Offline with nothing on disk, :func:`prepare` prints one message up front and returns no
mount for that data set; grading goes on (the data cells of the labs that need it fail the
same way for every student, which :attr:`DataPlan.summary_note` says once).

    plan = grading_data.prepare(labs, workdir=out / "grading")
    for mount in plan.mounts:           # in the sandbox command
        bind(mount.host_dir, mount.mount_point, read_only=True)
        env.update(mount.kernel_env())  # e.g. NNLAB_MNIST_DIR=/nnlab/data/mnist
"""
from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from nnlab import mnist

from .notebooks import BEGIN_HIDDEN, read, strip_hidden
from .paths import SOLUTIONS

#: Where a data set appears inside the sandbox (the kernel's environment variable holds it).
MOUNT_ROOT = "/nnlab/data"
#: The command that gets every data set onto a machine that is online.
GET_DATA = "make data"
TITLES = {"mnist": "MNIST", "fashion": "Fashion-MNIST"}

# A lab loads images when a cell students run calls the loader (hidden tests never do).
_LOADS_IMAGES = re.compile(r"\bmnist\.(load|load_digits_or_fashion)\s*\(")


@dataclass(frozen=True)
class DataMount:
    """One data set as the grader hands it to every kernel."""
    kind: str          # "mnist" or "fashion" (nnlab.mnist's name)
    host_dir: Path     # holds the four verified archives; bind it read-only
    env_var: str       # NNLAB_MNIST_DIR / NNLAB_FASHION_MNIST_DIR
    mount_point: str   # where the sandbox shows ``host_dir``

    def kernel_env(self) -> dict[str, str]:
        """Environment of a sandboxed kernel: the variable names the mount point."""
        return {self.env_var: self.mount_point}

    def host_env(self) -> dict[str, str]:
        """Environment of an unsandboxed kernel (``--no-sandbox``): the host folder itself."""
        return {self.env_var: str(self.host_dir)}


@dataclass(frozen=True)
class DataPlan:
    """What :func:`prepare` found: the mounts, and which labs lack data (if any)."""
    mounts: tuple[DataMount, ...]
    labs: tuple[str, ...]        # the labs that load images
    missing: tuple[str, ...]     # data sets neither on disk nor downloadable, e.g. ("mnist",)
    message: str | None = None   # what prepare printed, if anything

    @property
    def usable(self) -> bool:
        """True when the labs can load images (MNIST or its Fashion-MNIST fallback is there)."""
        return not self.labs or bool(self.mounts)

    @property
    def summary_note(self) -> str | None:
        """One line for the class summary when the labs' data cells cannot run (else None)."""
        if self.usable:
            return None
        return (f"{', '.join(self.labs)}: no image data set on this machine, so their data cells stop "
                f"for every student (not the students' fault); run `{GET_DATA}` online and grade again")


def labs_loading_images(labs: list[str], solutions: Path = SOLUTIONS) -> list[str]:
    """The labs whose notebooks call ``nnlab.mnist`` (outside hidden tests)."""
    found = []
    for lab in labs:
        nb = read(Path(solutions) / lab / f"{lab}.ipynb")
        code = "\n".join(strip_hidden(c.source) if BEGIN_HIDDEN in c.source else c.source
                         for c in nb.cells if c.cell_type == "code")
        if _LOADS_IMAGES.search(code):
            found.append(lab)
    return found


def _one_folder(kind: str, paths: list[Path], workdir: Path) -> Path:
    """A folder holding all four archives: theirs when they share one, else links in ``workdir``."""
    parents = {p.parent for p in paths}
    if len(parents) == 1:
        return parents.pop()
    folder = workdir / "data" / kind
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for p in paths:
        try:
            os.link(p, folder / p.name)
        except OSError:   # another file system, or a folder we may not link from
            shutil.copy2(p, folder / p.name)
    return folder


def _locate(kind: str, fetch: bool) -> tuple[list[Path] | None, str | None]:
    """The four verified archives of ``kind`` (fetched when missing and allowed), or why not."""
    try:
        if len(mnist.find(kind)) == len(mnist.SPLITS) * len(mnist.PARTS) or fetch:
            return mnist.ensure(kind), None
        return None, "not on this machine"
    except (OSError, ValueError) as exc:
        return None, str(exc).splitlines()[0]


def prepare(labs: list[str], workdir: Path, fetch: bool = True, stream: TextIO | None = None,
            solutions: Path = SOLUTIONS) -> DataPlan:
    """Find (or fetch) the data sets ``labs`` load; one :class:`DataMount` per data set found.

    ``fetch=False`` never touches the network.  Prints to ``stream`` (stderr by default) only
    when something is missing: one message, never an exception.
    """
    stream = stream or sys.stderr
    users = labs_loading_images(labs, solutions)
    if not users:
        return DataPlan((), (), ())
    mounts, missing, reasons = [], [], {}
    for kind in mnist.KINDS:
        paths, why = _locate(kind, fetch)
        if paths is None:
            missing.append(kind)
            reasons[kind] = why
            continue
        mounts.append(DataMount(kind, _one_folder(kind, paths, Path(workdir)), mnist.ENV_VARS[kind],
                                f"{MOUNT_ROOT}/{kind}"))
    message = _message(users, mounts, missing, reasons)
    if message:
        print(message, file=stream)
    return DataPlan(tuple(mounts), tuple(users), tuple(missing), message)


def _message(users: list[str], mounts: list[DataMount], missing: list[str], reasons: dict) -> str | None:
    if not missing:
        return None
    labs = ", ".join(users)
    if not mounts:
        why = "; ".join(f"{TITLES[k]}: {reasons[k]}" for k in missing)
        return (f"grading data: neither MNIST nor Fashion-MNIST is available ({why}).\n"
                f"  Grading goes on, but the data cells of {labs} will stop for every student.\n"
                f"  Get the data with `{GET_DATA}` (online) or `apt-get install dataset-fashion-mnist`, "
                f"or set NNLAB_MNIST_DIR / NNLAB_FASHION_MNIST_DIR to a folder holding the archives.")
    if missing == ["mnist"]:
        return (f"grading data: MNIST is not available ({reasons['mnist']}); {labs} will train on "
                f"Fashion-MNIST while grading (`{GET_DATA}` online fetches MNIST).")
    return None   # MNIST is there; the Fashion-MNIST fallback is not needed
