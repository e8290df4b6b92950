"""Grading on a Dask cluster: the same units, sent to ``dask worker`` processes anywhere.

``pipeline.grade(..., scheduler=...)`` calls :func:`run_dask`.  ``scheduler`` is either the
address of a running scheduler (``tcp://host:8786``: started with ``dask scheduler`` /
``dask worker``, dask-jobqueue or dask-kubernetes) or ``"local"``, a ``LocalCluster`` on this
machine with ``jobs`` workers.  See docs/scale.md.

A task never relies on a shared filesystem: it carries the submission folder (a few hundred
KB) and a reference to the lab's bundle (template gradebook, released notebook, source
folder), scattered to the workers once per lab; it returns the unit result with the
autograded notebook folder and the feedback page packed inside, which the client unpacks into
the unit's local work folder before calling ``on_done`` (publish, merge, cache: one process,
as in the local path).  Workers need the course installed at the same commit: every task
compares a fingerprint of the course code and refuses to grade with different checks.

On the worker each unit still runs in a process of its own (own session, address-space cap,
whole-unit timeout, the whole process group killed afterwards), forked from a preloaded,
single-threaded fork server, so a notebook that kills its parent or exhausts memory loses its
own submission only, never the Dask worker and the units queued on it.
"""
from __future__ import annotations

import functools
import io
import multiprocessing as mp
import os
import shutil
import socket
import tarfile
import tempfile
import uuid
from pathlib import Path

from .paths import ROOT

#: Packages whose code runs while grading (hidden tests import them): workers must match.
CODE_PACKAGES = ("autograder", "nnlab")


# --------------------------------------------------------------------------- packing
def pack(items: dict[str, Path]) -> bytes:
    """A gzipped tar of files and folders, each stored under its key."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=1) as tar:
        for name, path in items.items():
            tar.add(str(path), arcname=name,
                    filter=lambda t: None if "__pycache__" in t.name or ".ipynb_checkpoints" in t.name else t)
    return buf.getvalue()


def unpack(blob: bytes, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        tar.extractall(dest, filter="data")
    return dest


def lab_bundle(spec: dict) -> bytes:
    """What every unit of a lab needs besides the submission."""
    return pack({"gradebook.db": Path(spec["template_db"]), "release.ipynb": Path(spec["release_notebook"]),
                 f"source/{spec['lab']}": Path(spec["source_dir"])})


@functools.cache
def code_fingerprint() -> str:
    """Hash of the Python code of the course packages as installed in this process."""
    import hashlib
    import importlib
    h = hashlib.sha256()
    for name in CODE_PACKAGES:
        folder = Path(list(importlib.import_module(name).__path__)[0])
        for path in sorted(folder.rglob("*.py")):
            h.update(f"{name}/{path.relative_to(folder)}".encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- worker side
@functools.cache
def _scratch_root() -> Path:
    """A private folder of this worker process for unit inputs and outputs."""
    base = os.environ.get("NNLAB_WORKER_SCRATCH")
    if not base:
        try:
            from distributed import get_worker
            base = get_worker().local_directory
        except (ImportError, ValueError):
            base = None
    return Path(tempfile.mkdtemp(prefix="nnlab-grading-", dir=base))


_LAB_FOLDERS: dict[tuple[str, str], Path] = {}


def _lab_folder(lab: str, blob: bytes) -> Path:
    """The lab bundle, unpacked once per worker process and content (units only read it)."""
    import hashlib
    key = (lab, hashlib.sha256(blob).hexdigest()[:16])
    if key not in _LAB_FOLDERS:
        dest = Path(tempfile.mkdtemp(prefix=f"lab-{lab}-{key[1]}-", dir=_scratch_root()))
        _LAB_FOLDERS[key] = unpack(blob, dest)
    return _LAB_FOLDERS[key]


def _fork_context():
    ctx = mp.get_context("forkserver")
    from .worker import PRELOAD
    ctx.set_forkserver_preload([*PRELOAD, "autograder.prewarm"])  # once per worker, not per unit
    return ctx


def run_isolated(spec: dict, timeout: float | None = None) -> dict:
    """Grade one unit in a process of its own (see worker.run_unit) and return its result.

    The process comes from a fork server: a clean, preloaded, single-threaded process, because
    forking a Dask worker (threads, event loop) directly is unsafe.
    """
    from . import worker

    timeout = timeout or worker.UNIT_TIMEOUT
    out = spec["workdir"] + ".result.json"
    if os.path.exists(out):
        os.remove(out)
    proc = _fork_context().Process(target=worker.run_unit, args=(spec, out), daemon=False)
    # Dask runs its workers as daemonic processes, which multiprocessing forbids to start
    # children; the unit is reaped below (and killed on timeout), so lift the flag for start().
    config = mp.current_process()._config
    was_daemon = config.get("daemon")
    config["daemon"] = False
    try:
        proc.start()
    finally:
        if was_daemon is not None:
            config["daemon"] = was_daemon
    proc.join(timeout)
    timed_out = proc.exitcode is None
    if timed_out:
        worker.kill_group(proc.pid)
        proc.join()
    worker.kill_group(proc.pid)  # a kernel may outlive its unit process
    return worker.read_result(spec, out, proc.exitcode, timed_out=timed_out)


def grade_task(spec: dict, lab_blob: bytes, submission_blob: bytes, fingerprint: str) -> dict:
    """The Dask task: unpack the inputs, grade in an isolated process, pack the outputs."""
    host = socket.gethostname()
    if fingerprint != code_fingerprint():
        return _failure(spec, f"grader error: worker {host} runs different course code "
                              f"({code_fingerprint()} instead of {fingerprint}); install the same commit",
                        retry=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{spec['student']}--{spec['lab']}-", dir=_scratch_root()))
    try:
        lab_dir = _lab_folder(spec["lab"], lab_blob)
        local = dict(spec, submission_dir=str(unpack(submission_blob, scratch / "submission")),
                     template_db=str(lab_dir / "gradebook.db"), release_notebook=str(lab_dir / "release.ipynb"),
                     source_dir=str(lab_dir / "source" / spec["lab"]), course_root=str(ROOT),
                     workdir=str(scratch / "unit"), template_cache=str(_scratch_root() / "jinja-cache"))
        result = run_isolated(local)
        outputs = {}
        if result.get("autograded_dir"):
            outputs["autograded"] = Path(result["autograded_dir"])
        if result.get("feedback_html"):
            outputs["feedback.html"] = Path(result["feedback_html"])
        result["outputs"] = pack(outputs) if outputs else None
        if not result.get("ok"):
            log = Path(local["workdir"] + ".log")
            result["log_tail"] = log.read_text(errors="replace")[-3000:] if log.exists() else None
        result["worker"] = _worker_address() or host
        return result
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _worker_address() -> str | None:
    try:
        from distributed import get_worker
        return get_worker().address
    except (ImportError, ValueError):
        return None


def _failure(spec: dict, reason: str, retry: bool) -> dict:
    from .records import UnitResult
    return UnitResult.not_run(spec["student"], spec["lab"], notes=spec.get("notes", ()), failure=reason,
                              retry=retry).to_json()


# --------------------------------------------------------------------------- client side
def _localise(result: dict, spec: dict) -> dict:
    """Unpack the outputs a worker returned into the unit's work folder on this machine."""
    blob = result.pop("outputs", None)
    result["autograded_dir"] = result["feedback_html"] = None
    if blob:
        work = Path(spec["workdir"])
        shutil.rmtree(work, ignore_errors=True)
        unpack(blob, work)
        if (work / "autograded").is_dir():
            result["autograded_dir"] = str(work / "autograded")
        if (work / "feedback.html").is_file():
            result["feedback_html"] = str(work / "feedback.html")
    return result


def connect(scheduler: str, jobs: int | None = None):
    """A distributed Client for ``scheduler`` ("local": a LocalCluster of ``jobs`` workers)."""
    from distributed import Client, LocalCluster

    if scheduler == "local":
        # Threads, not processes: each task only waits for the unit process it starts.  Dask
        # always starts HTTP servers (dashboard, health) and binds them to every interface
        # (port 8787 first) unless told otherwise: keep them on loopback, on free ports.
        cluster = LocalCluster(n_workers=jobs or os.cpu_count() or 1, threads_per_worker=1, processes=False,
                               dashboard_address="127.0.0.1:0", worker_dashboard_address="127.0.0.1:0")
        return Client(cluster), cluster
    return Client(scheduler, timeout="30s"), None


def run_dask(specs: list[dict], scheduler: str, on_done, jobs: int | None = None) -> None:
    """Grade ``specs`` on a Dask cluster, calling ``on_done(result)`` as each unit ends."""
    if not specs:
        return
    from distributed import as_completed

    client, cluster = connect(scheduler, jobs)
    try:
        fingerprint = code_fingerprint()
        lab_futures = {}
        for spec in specs:
            if spec["lab"] not in lab_futures:
                lab_futures[spec["lab"]] = client.scatter(lab_bundle(spec), hash=False)
        futures = {}
        for i, spec in enumerate(specs):
            blob = pack({".": Path(spec["submission_dir"])})
            key = f"grade-{spec['student']}-{spec['lab']}-{uuid.uuid4().hex[:8]}"
            fut = client.submit(grade_task, spec, lab_futures[spec["lab"]], blob, fingerprint, key=key,
                                priority=-i, retries=0)
            futures[fut] = spec
        for fut in as_completed(futures):
            spec = futures[fut]
            try:
                result = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker, a network failure...
                result = _failure(spec, f"grader error: the Dask task failed ({type(exc).__name__}: {exc})",
                                  retry=True)
            on_done(_localise(result, spec))
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
