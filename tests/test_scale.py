"""Grading at scale: a real Dask cluster, a LocalCluster, and a crash half-way through.

Every run grades lab 01's sample class (perfect, blank, buggy, tampered) and must produce
exactly the gradebook and CSV the serial local run produces.  The cluster is the real thing:
``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1, started here.

Kernels run unsandboxed here (the sandbox has its own tests; these are about where units run
and how results are merged): set NNLAB_SCALE_TEST_SANDBOX=1 to run them sandboxed as well.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from autograder import pipeline, sample_class, scale

pytestmark = pytest.mark.slow
LAB = "lab01-regression"
SANDBOX = os.environ.get("NNLAB_SCALE_TEST_SANDBOX") == "1"
DASK = Path(sys.executable).parent / "dask"


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    return sample_class.generate(tmp_path_factory.mktemp("scale") / "submissions", [LAB])


@pytest.fixture(scope="module")
def serial(submissions, tmp_path_factory):
    """The reference: one unit at a time in forked local workers."""
    out = tmp_path_factory.mktemp("serial")
    df = pipeline.grade(submissions, [LAB], out, jobs=1, quiet=True, sandbox=SANDBOX)
    return df, out


def _start(args: list, log: Path, cwd: Path) -> subprocess.Popen:
    # Own session: the teardown ends the nanny, its worker and the worker's unit processes.
    return subprocess.Popen(args, cwd=cwd, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler and two single-threaded workers on loopback, as a TA would start them."""
    from distributed import Client

    tmp = tmp_path_factory.mktemp("dask")
    sched_file = tmp / "scheduler.json"
    procs = [_start([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(sched_file)], tmp / "scheduler.log", tmp)]
    try:
        deadline = time.monotonic() + 60
        while not sched_file.exists():
            assert time.monotonic() < deadline, (tmp / "scheduler.log").read_text()
            assert procs[0].poll() is None, (tmp / "scheduler.log").read_text()
            time.sleep(0.2)
        address = json.loads(sched_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for name in ("w1", "w2"):
            (tmp / name).mkdir()
            procs.append(_start([str(DASK), "worker", address, "--name", name, "--nthreads", "1",
                                 "--host", "127.0.0.1", "--no-dashboard", "--local-directory", str(tmp / name)],
                                tmp / f"{name}.log", tmp / name))
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=120)
            workers = sorted(client.scheduler_info()["workers"])
        yield address, workers
    finally:
        for proc in reversed(procs):
            _stop(proc)


def _assert_same(df: pd.DataFrame, reference: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(df.reset_index(drop=True), reference.reset_index(drop=True), check_exact=True)


def _results(out: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in (out / "grading" / "results").glob(f"*/{LAB}.json")}


def _processes_using(folder: Path) -> list[int]:
    """Processes whose command line or working directory is inside ``folder``."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if str(folder) in cmd or cwd.startswith(str(folder)):
            found.append(int(proc.name))
    return found


def test_reference_run_grades_the_sample_class(serial, submissions):
    df, _ = serial
    manifest = json.loads((submissions / "manifest.json").read_text())[LAB]
    scores = dict(zip(df.student_id, df.auto_score))
    assert scores["perfect"] == df.auto_max.max() > 0
    assert scores["blank"] == 0
    assert scores["buggy"] == scores["tampered"] == manifest["expected_buggy_score"]


def test_dask_cluster_grades_identically(cluster, serial, submissions, tmp_path):
    address, workers = cluster
    df = pipeline.grade(submissions, [LAB], tmp_path, quiet=True, scheduler=address, sandbox=SANDBOX)
    reference, ref_out = serial
    _assert_same(df, reference)
    assert (tmp_path / "grades.csv").read_bytes() == (ref_out / "grades.csv").read_bytes()
    results = _results(tmp_path)
    assert len(results) == 4 and all(r["ok"] for r in results.values())
    # The units really ran on the two workers, and came back with their notebook and feedback.
    assert {r["worker"] for r in results.values()} == set(workers)
    for student in results:
        assert (tmp_path / "autograded" / student / LAB / f"{LAB}.ipynb").exists()
        page = (tmp_path / "feedback" / student / LAB / f"{LAB}.html").read_text()
        assert "HIDDEN TESTS" not in page
    # The merged gradebook is nbgrader's own: its API reads the cluster's scores.
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", "nn-course") as gb:
        assert gb.find_submission(LAB, "perfect").score == reference.set_index("student_id").loc["perfect", "score"]


def test_local_cluster_grades_identically(serial, submissions, tmp_path):
    df = pipeline.grade(submissions, [LAB], tmp_path, jobs=2, quiet=True, scheduler="local", sandbox=SANDBOX)
    _assert_same(df, serial[0])
    assert (tmp_path / "grades.csv").read_bytes() == (serial[1] / "grades.csv").read_bytes()


def test_local_cluster_listens_on_loopback_only():
    """SCHEDULER=local must not open Dask's dashboards to the network (port 8787 on 0.0.0.0)."""
    client, cluster = scale.connect("local", jobs=2)
    try:
        nodes = [cluster.scheduler, *cluster.workers.values()]
        addresses = [sock.getsockname()[0] for node in nodes for sock in node.http_server._sockets.values()]
        assert len(addresses) >= len(nodes)
        assert set(addresses) <= {"127.0.0.1"}, addresses
    finally:
        client.close()
        cluster.close()


def test_worker_with_other_course_code_refuses_to_grade(serial):
    spec = {"student": "perfect", "lab": LAB, "notes": []}
    result = scale.grade_task(spec, b"", b"", fingerprint="not-this-code")
    assert not result["ok"] and "different course code" in result["failure"]
    assert result["retry"], "an infrastructure failure must be regraded by the next run, not cached"


def test_crash_half_way_loses_nothing_and_regrades_nothing_twice(serial, submissions, tmp_path):
    """Kill the pipeline (SIGKILL) after its first unit is cached; the re-run finishes the rest."""
    out = tmp_path / "out"
    args = [sys.executable, "-m", "autograder", "grade", "--labs", LAB, "--submissions", str(submissions),
            "--out", str(out), "--jobs", "1"] + ([] if SANDBOX else ["--no-sandbox"])
    log = (tmp_path / "first-run.log").open("w")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    results_dir = out / "grading" / "results"
    deadline = time.monotonic() + 600
    while not list(results_dir.glob(f"*/{LAB}.json")):
        assert proc.poll() is None, "the pipeline ended before it could be killed: " + \
            (tmp_path / "first-run.log").read_text()[-2000:]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in results_dir.glob(f"*/{LAB}.json")}
    assert 1 <= len(before) < 4, "the crash must come half-way"
    for path in before:
        assert json.loads(path.read_bytes())["ok"]      # cached files are whole, never half-written
    # The unit that was running died with the pipeline, kernel included: no orphan keeps grading.
    deadline = time.monotonic() + 20
    while _processes_using(out):
        assert time.monotonic() < deadline, f"orphans left by the crash: {_processes_using(out)}"
        time.sleep(0.2)

    df = pipeline.grade(submissions, [LAB], out, jobs=2, quiet=True, sandbox=SANDBOX)
    summary = (out / "summary.txt").read_text()
    assert summary.startswith(f"graded {4 - len(before)} submission(s)"), summary.splitlines()[0]
    for path, (mtime, data) in before.items():
        assert path.stat().st_mtime_ns == mtime and path.read_bytes() == data, f"{path} was regraded"
    _assert_same(df, serial[0])

    # --force regrades even what is cached (one student, to keep it short).
    one = tmp_path / "one"
    shutil.copytree(submissions / "perfect", one / "perfect")
    cached = results_dir / "perfect" / f"{LAB}.json"
    stamp = cached.stat().st_mtime_ns
    pipeline.grade(one, [LAB], out, jobs=1, quiet=True, sandbox=SANDBOX, force=True)
    assert (out / "summary.txt").read_text().startswith("graded 1 submission(s)")
    assert cached.stat().st_mtime_ns != stamp
