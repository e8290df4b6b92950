"""Opt-in timing of grading units, for ``make bench-grade`` (benchmarks/bench_grading.py).

Every unit records its phases (setup, execute, feedback, database: four clock reads) and the
judge's share (from the verdicts).  The finer split is off unless ``NNLAB_TIMING=1``: normal
grading installs no SQL listeners and scans no /proc.  When on, a unit also records kernel
start (from /proc), running the cells and SQL statements (all gradebooks of the process).
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat


def enabled() -> bool:
    return os.environ.get("NNLAB_TIMING", "").strip() not in ("", "0")


class _SqlClock:
    """Seconds this process spent in SQL statements (installed once, on first use)."""
    seconds = 0.0
    installed = False

    @classmethod
    def install(cls) -> None:
        if cls.installed:
            return
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        @event.listens_for(Engine, "before_cursor_execute")
        def _before(conn, *_args):
            conn.info.setdefault("nnlab_t", []).append(time.perf_counter())

        @event.listens_for(Engine, "after_cursor_execute")
        def _after(conn, *_args):
            cls.seconds += time.perf_counter() - conn.info["nnlab_t"].pop()
        cls.installed = True


class UnitTimer:
    """Marks filled while one unit grades (kernel ready through an nbclient hook, SQL time)."""

    def __init__(self, c):
        _SqlClock.install()
        self.sql0 = _SqlClock.seconds
        self.ready: float | None = None
        self.kernel_start: float | None = None
        c.Execute.on_notebook_start = self._ready

    def _ready(self, **_):
        self.ready = time.time()
        self.kernel_start = _newest_child_age(os.getpid())

    def split(self, notebook: Path) -> dict:
        out = {"kernel_start": self.kernel_start, "notebook": None, "sql": _SqlClock.seconds - self.sql0}
        try:  # cells: kernel ready -> the last execute_reply nbclient recorded in the notebook
            from datetime import datetime
            nb = nbformat.read(str(notebook), as_version=4)
            replies = [c.metadata["execution"]["shell.execute_reply"] for c in nb.cells
                       if "shell.execute_reply" in c.get("metadata", {}).get("execution", {})]
            if replies and self.ready is not None:
                last = max(datetime.fromisoformat(r.replace("Z", "+00:00")).timestamp() for r in replies)
                out["notebook"] = last - self.ready
        except (OSError, ValueError, KeyError):
            pass
        return out


def _newest_child_age(pid: int) -> float | None:
    """Seconds since the youngest child of ``pid`` started (the kernel just launched), from /proc."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        starts = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                starts.append(int(fields[19]) / tick)
        return uptime - max(starts) if starts else None
    except (OSError, ValueError, IndexError):
        return None
