"""The course gradebook on PostgreSQL: a real server, started and stopped by this test.

The server comes from the Debian package (``postgresql``; scripts/system-deps.sh installs
it): ``initdb`` + ``pg_ctl`` in a temporary folder, listening on a Unix socket only, run as the
``postgres`` user when the tests run as root.  The whole pipeline (``python -m autograder
grade`` with ``NNLAB_GRADEBOOK_URL=postgresql://...``) must produce the same CSV as the
default SQLite gradebook, regrade idempotently, and survive concurrent writers.
"""
from __future__ import annotations

import glob
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from autograder import gradebook, pipeline, sample_class

pytestmark = pytest.mark.slow
LAB = "lab01-regression"
PORT = 54329   # only names the socket file: the server listens on no TCP port at all


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if found:
        return found[-1]
    path = shutil.which(name)
    assert path, f"{name} not found: install the Debian package postgresql (make sysdeps)"
    return path


def _as_server_user(args: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: drop to the package's own postgres user.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="module")
def postgres():
    """URL of a fresh database on a private PostgreSQL server."""
    import psycopg2  # noqa: F401 - the driver (psycopg2-binary) must be installed: fail, never skip
    # Not under pytest's tmp folder: the postgres user cannot enter root's 0700 folders.
    base = Path(tempfile.mkdtemp(prefix="nnlab-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    run = lambda args: subprocess.run(_as_server_user(args), check=True, capture_output=True, text=True)
    try:
        run([_pg_bin("initdb"), "-D", str(data), "-U", "nnlab", "--auth=trust", "-E", "UTF8", "--no-sync"])
        run([_pg_bin("pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "60", "-o",
             f"-k {sock} -p {PORT} -c listen_addresses='' -c fsync=off", "start"])
        run([_pg_bin("createdb"), "-h", str(sock), "-p", str(PORT), "-U", "nnlab", "gradebook"])
        yield f"postgresql+psycopg2://nnlab@/gradebook?host={sock}&port={PORT}"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(_as_server_user([_pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                           capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    return sample_class.generate(tmp_path_factory.mktemp("pg") / "submissions", [LAB])


@pytest.fixture(scope="module")
def sqlite_run(submissions, tmp_path_factory):
    out = tmp_path_factory.mktemp("sqlite")
    pipeline.grade(submissions, [LAB], out, jobs=2, quiet=True, sandbox=False)
    return out


def _grade_cli(submissions: Path, out: Path, db_url: str, *extra: str) -> None:
    env = dict(os.environ, NNLAB_GRADEBOOK_URL=db_url)
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", "--labs", LAB, "--submissions",
                           str(submissions), "--out", str(out), "--jobs", "2", "--no-sandbox", *extra],
                          env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]


def _grade_rows(db_url: str) -> int:
    from sqlalchemy import create_engine, text
    engine = create_engine(db_url)
    with engine.connect() as conn:
        count = conn.execute(text("select count(*) from grade")).scalar_one()
    engine.dispose()
    return count


def test_pipeline_on_postgresql_matches_sqlite(postgres, submissions, sqlite_run, tmp_path):
    assert postgres.startswith("postgresql")
    _grade_cli(submissions, tmp_path, postgres)
    assert not (tmp_path / "gradebook.db").exists(), "the SQLite default was used instead of PostgreSQL"
    assert (tmp_path / "grades.csv").read_text() == (sqlite_run / "grades.csv").read_text()
    # The scores live in PostgreSQL, readable by nbgrader's own API (formgrader, export...).
    from nbgrader.api import Gradebook
    with Gradebook(postgres, "nn-course") as gb:
        assert {s.id for s in gb.students} == {"perfect", "blank", "buggy", "tampered"}
        perfect, blank = gb.find_submission(LAB, "perfect"), gb.find_submission(LAB, "blank")
        expected = pd.read_csv(sqlite_run / "grades.csv").set_index("student_id")
        assert perfect.score == expected.loc["perfect", "score"] > 0 and blank.score == 0
    rows = _grade_rows(postgres)
    assert rows > 0

    # Regrading everything merges in place: same CSV, no duplicated rows.
    _grade_cli(submissions, tmp_path, postgres, "--force")
    assert (tmp_path / "grades.csv").read_text() == (sqlite_run / "grades.csv").read_text()
    assert _grade_rows(postgres) == rows


def _merge_many(db_url: str, result: dict, names: list[str]) -> None:
    for name in names:
        gradebook.merge(db_url, dict(result, student=name))


def test_concurrent_merges_do_not_lose_results(postgres, sqlite_run):
    """Two processes create the same new students at the same time (two TAs, one gradebook)."""
    gradebook.ensure_assignment(postgres, LAB, sqlite_run / "pg-scratch")
    result = json.loads((sqlite_run / "grading" / "results" / "perfect" / f"{LAB}.json").read_text())
    names = [f"race-{i:02d}" for i in range(12)]
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_merge_many, args=(postgres, result, names)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    from nbgrader.api import Gradebook
    with Gradebook(postgres, "nn-course") as gb:
        for name in names:
            sub = gb.find_submission(LAB, name)
            assert sub.score == sum(c["score"] or 0 for c in result["cells"].values()) > 0
