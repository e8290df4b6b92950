"""The grading sandbox (autograder/sandbox/): confinement of a real kernel, caps, fail-closed
behaviour and the loud opt-out.  A few seconds each; the adversarial class
(tests/test_adversarial.py) grades whole hostile submissions end to end."""
from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

from autograder import integrity, pipeline, sandbox
from autograder.paths import ROOT

LAB = "lab01-regression"


def test_bubblewrap_works_here():
    ok, reason = sandbox.probe(force=True)
    assert ok, reason   # CI installs bubblewrap (scripts/system-deps.sh): no silent skip


def _kernel(tmp_path, code_cells: list[str]) -> list[str]:
    """Start the sandboxed kernel of a lab01 unit in ``tmp_path/work``; return each cell's stdout."""
    c = Config()
    root = tmp_path / "unit"
    work = root / "autograded" / "student" / LAB
    work.mkdir(parents=True)
    (work / "model.py").write_text("VALUE = 41\n")
    (work / f"{LAB}.ipynb").write_text("{}")          # the autograded notebook: holds hidden tests
    ws = sandbox.UnitWorkspace("lab01", sandboxed=True, forbidden=("torch",)).__enter__()
    km_class = ws.manager_class

    async def run() -> list[str]:
        km = km_class(config=c)
        await km.start_kernel(cwd=str(work))
        kc = km.client()
        kc.start_channels()
        outs = []
        try:
            await kc.wait_for_ready(timeout=60)
            for code in code_cells:
                chunks = []

                def hook(msg, chunks=chunks):
                    if msg["msg_type"] == "stream":
                        chunks.append(msg["content"]["text"])
                    elif msg["msg_type"] == "error":
                        chunks.append(f"ERROR {msg['content']['ename']}: {msg['content']['evalue']}")
                await kc.execute_interactive(code, timeout=60, output_hook=hook)
                outs.append("".join(chunks))
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
        return outs

    try:
        return asyncio.run(run())
    finally:
        ws.__exit__(None, None, None)
        assert not (work / "escaped.txt").exists(), "a write in the working folder reached the host"


PROBE = r'''
import json, os, socket, sys
r = {"uid": os.getuid(), "pid": os.getpid(), "env": sorted(os.environ)}
r["course"] = os.path.exists(COURSE + "/solutions") or os.path.exists(COURSE + "/nbgrader_config.py")
r["root_home"] = sorted(os.listdir("/root")) if os.path.isdir("/root") else None
r["notebook"] = os.path.exists("lab01-regression.ipynb")
r["model"] = open("model.py").read().strip()
try:
    socket.create_connection(("1.1.1.1", 80), timeout=3)
    r["net"] = True
except OSError:
    r["net"] = False
import autograder.checks.lab01 as shim
r["checks_dir"] = sorted(os.listdir(os.path.dirname(shim.__file__)))
r["shim"] = "remote_check" in open(shim.__file__).read()
r["writable"] = {}
for d in ("/nnlab/judge", "/nnlab/ipc", "/dev/shm", "/tmp", "."):
    try:
        with open(os.path.join(d, "fill.bin"), "wb") as f:
            for _ in range(64):
                f.write(b"\0" * 2 ** 20)
        r["writable"][d] = "64 MB"
    except OSError as e:
        r["writable"][d] = type(e).__name__
    finally:
        try:
            os.remove(os.path.join(d, "fill.bin"))
        except OSError:
            pass
open("escaped.txt", "w").write("x")
try:
    open("/usr/pwned", "w")
    r["usr_writable"] = True
except OSError:
    r["usr_writable"] = False
print(json.dumps(r))
'''.replace("COURSE", repr(str(ROOT)))


def test_kernel_is_confined(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLAB_TEST_SECRET", "must not reach the kernel")
    monkeypatch.setenv("NNLAB_SANDBOX_WORKSPACE_MB", "32")
    outs = _kernel(tmp_path, [PROBE, "import torch"])
    r = json.loads(outs[0].strip().splitlines()[-1])
    if os.geteuid() == 0:
        assert r["uid"] != 0, "the kernel must not run as root"
    assert r["pid"] < 10, "new pid namespace"
    assert r["course"] is False, "course folder visible in the sandbox"
    assert r["root_home"] in (None, [".pyenv"], []), r["root_home"]
    assert r["notebook"] is False, "the autograded notebook (hidden tests) must be hidden"
    assert r["model"] == "VALUE = 41", "the submission's own files must be there"
    assert r["net"] is False, "network reachable from the sandbox"
    # Only the public shim of the checks is inside: the oracle never enters the sandbox.
    assert r["checks_dir"] == ["__init__.py", "lab01.py"] and r["shim"], r["checks_dir"]
    assert r["usr_writable"] is False
    # Every writable place is a capped tmpfs inside the sandbox; the judge's folder is read-only.
    assert r["writable"]["/nnlab/judge"] in ("OSError", "PermissionError"), r["writable"]
    for d in ("/nnlab/ipc", "/dev/shm", "/tmp", "."):
        assert r["writable"][d] == "OSError", (d, r["writable"])   # ENOSPC at the 32 MB (1 MB for ipc) cap
    assert "NNLAB_TEST_SECRET" not in r["env"], "the grader's environment leaked into the kernel"
    assert "JPY_SESSION_NAME" not in r["env"] and "VIRTUAL_ENV" not in r["env"]
    assert "not allowed in this lab" in outs[1]           # the lab's rule: lab01 forbids frameworks


def test_command_hides_the_course_folder(tmp_path):
    root = tmp_path / "unit"
    cwd = root / "autograded" / "s" / LAB
    cwd.mkdir(parents=True)
    with sandbox.UnitWorkspace("lab01", sandboxed=True) as ws:
        s = ws.manager_class.sandbox
        cmd = sandbox.build_command(s, str(cwd), str(ws.private / "connection.json"), [])
    for flag in ("--unshare-net", "--unshare-pid", "--clearenv", "--die-with-parent", "--new-session"):
        assert flag in cmd
    binds = [cmd[i + 1] for i, a in enumerate(cmd) if a in ("--ro-bind", "--bind")]
    allowed = (str(ROOT / ".venv"), str(ROOT / "nnlab"), str(ROOT / "data"), str(ROOT / "autograder" / "kernel"))
    for src in binds:
        if src.startswith(str(ROOT)):
            assert src.startswith(allowed), f"course path bound into the sandbox: {src}"
    assert str(ROOT / "solutions") not in " ".join(cmd)
    assert str(ROOT / "autograder" / "checks") not in " ".join(cmd), "the checks must not enter the sandbox"
    writable = [cmd[i + 1] for i, a in enumerate(cmd) if a in ("--bind", "--dev-bind")]
    assert writable == [], f"host folders writable from the sandbox: {writable}"
    assert any(a.startswith("--as=") for a in cmd) and any(a.startswith("--nproc=") for a in cmd)
    if os.geteuid() == 0:
        assert any(a.startswith("--reuid=") for a in cmd)


def test_refuses_to_grade_without_namespaces(tmp_path, monkeypatch, capsys):
    from autograder.sandbox import availability
    monkeypatch.setattr(availability, "_PROBE", (False, "Creating new namespace failed: Operation not permitted"))
    monkeypatch.delenv("NNLAB_SANDBOX", raising=False)
    with pytest.raises(sandbox.SandboxUnavailable, match="namespace"):
        pipeline.grade(tmp_path, [LAB], tmp_path / "out", quiet=True)
    assert not (tmp_path / "out").exists(), "nothing may be graded before the refusal"
    assert pipeline.main(["--submissions", str(tmp_path), "--labs", LAB, "--out", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err
    assert "refusing to grade" in err and "Operation not permitted" in err


def test_slot_locks_are_exclusive_and_private(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLAB_SANDBOX_LOCKS", str(tmp_path / "locks"))
    first, fd0 = sandbox.acquire_slot()
    second, fd1 = sandbox.acquire_slot()
    assert (first, second) == (0, 1)          # held slots are never handed out twice
    os.close(fd0)
    again, fd2 = sandbox.acquire_slot()
    assert again == 0                          # a released slot is reused
    for fd in (fd1, fd2):
        os.close(fd)
    assert (tmp_path / "locks").stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("make", ["world-writable", "symlink"] + (["other-owner"] if os.geteuid() == 0 else []))
def test_refuses_a_lock_folder_others_control(tmp_path, monkeypatch, make):
    """/tmp is shared: a lock folder someone else made (or can write) is refused, never used."""
    target = tmp_path / "locks"
    real = tmp_path / "elsewhere"
    real.mkdir(mode=0o700)
    if make == "world-writable":
        target.mkdir()
        target.chmod(0o777)
    elif make == "symlink":
        target.symlink_to(real)
    else:   # root only: giving a folder away needs it
        target.mkdir(mode=0o700)
        os.chown(target, 65534, 65534)
    monkeypatch.setenv("NNLAB_SANDBOX_LOCKS", str(target))
    with pytest.raises(sandbox.SandboxUnavailable, match="mode 700"):
        sandbox.acquire_slot()
    assert not any(real.iterdir()), "nothing may be created through the link"


def test_opt_out_is_loud(monkeypatch, capsys):
    monkeypatch.setenv("NNLAB_SANDBOX", "0")
    assert sandbox.disabled_by_env()
    sandbox.warn_unsandboxed()
    assert "SANDBOX DISABLED" in capsys.readouterr().err


def test_output_is_capped_as_it_arrives():
    from nbformat.v4 import new_code_cell, new_notebook

    from autograder.preprocessors import JudgedExecute
    ex = JudgedExecute(max_output_bytes=1000)
    ex._out_bytes = {}
    ex.nb = new_notebook(cells=[new_code_cell("print(1)")])
    ex.reset_execution_trackers()
    ex.clear_before_next_output = False   # (set per cell by nbclient before outputs arrive)
    outs = []
    for _ in range(50):
        msg = {"msg_type": "stream", "header": {"msg_type": "stream"}, "parent_header": {},
               "content": {"name": "stdout", "text": "y" * 300}}
        ex.output(outs, msg, None, 0)
    kept = sum(len(o.get("text", "")) for o in outs)
    assert kept < 1200, kept
    assert any(sandbox.TRUNCATED in o.get("text", "") for o in outs)


def test_duplicated_graded_cell_keeps_the_first_copy():
    nb = nbformat.v4.new_notebook()
    meta = {"nbgrader": {"grade": True, "grade_id": "t1", "locked": True, "points": 1, "schema_version": 3,
                         "solution": False}}
    nb.cells = [nbformat.v4.new_code_cell("a", metadata=json.loads(json.dumps(meta))),
                nbformat.v4.new_code_cell("b", metadata=json.loads(json.dumps(meta)))]
    assert integrity.deduplicate(nb)
    assert "nbgrader" in nb.cells[0].metadata and "nbgrader" not in nb.cells[1].metadata
    assert not integrity.deduplicate(nb)


def test_unit_notes_name_what_the_sandbox_stopped(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = np.ones(20 * 2 ** 30)")
    cell.outputs = [nbformat.v4.new_output("error", ename="MemoryError", evalue="Unable to allocate", traceback=[])]
    test = nbformat.v4.new_code_cell("check()", metadata={"nbgrader": {"grade": True, "grade_id": "t"}})
    test.outputs = [nbformat.v4.new_output("error", ename="MemoryError", evalue="in a test", traceback=[])]
    nb.cells = [cell, test]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, str(path))
    notes = sandbox.output_notes(path)
    assert notes == ["stopped: cell 1 MemoryError: Unable to allocate"], notes
    assert Path(path).exists()


def test_student_validation_never_says_success_when_a_cell_is_missing(tmp_path, capsys):
    release = ROOT / "labs" / LAB / f"{LAB}.ipynb"
    nb = nbformat.read(str(release), as_version=4)
    nb.cells = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") != "lab01_test_relu"]
    path = tmp_path / f"{LAB}.ipynb"
    nbformat.write(nb, str(path))
    assert integrity.main([str(path), "--release", str(release)]) == 1
    out = capsys.readouterr().out
    assert "lab01_test_relu" in out and "NOT VALID" in out and "success" not in out.lower()
    assert integrity.main([str(release), "--release", str(release)]) == 0


def test_the_sandbox_gets_every_module_of_the_kernel_package():
    """The kernel imports autograder.kernel from the files the sandbox binds: one left out breaks every
    hidden check under nbgrader (the direct harness, which imports from the checkout, would not notice)."""
    from autograder.paths import ROOT
    from autograder.sandbox.command import KERNEL_FILES
    assert sorted(KERNEL_FILES) == sorted(p.name for p in (ROOT / "autograder" / "kernel").glob("*.py"))


@pytest.mark.skipif(os.geteuid() != 0, reason="slot accounts exist only when grading as root")
def test_a_slot_account_starts_empty(tmp_path, monkeypatch):
    """Leftovers of the slot's previous unit (a fork loop's last processes) are killed before reuse:
    they would count against the next kernel's process cap."""
    import subprocess
    import time

    from autograder.sandbox.accounts import clear_account
    monkeypatch.setenv("NNLAB_SANDBOX_LOCKS", str(tmp_path / "locks"))
    uid, gid, _ = sandbox.ensure_user(63)
    procs = [subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "sleep", "60"])
             for _ in range(3)]
    time.sleep(0.3)
    assert clear_account(uid) == 3
    assert all(p.wait(timeout=5) == -9 for p in procs)
    assert clear_account(uid) == 0


def test_unsandboxed_kernels_talk_over_unix_sockets():
    """Trusted mode's kernels use the unit's private folder, never TCP ports two units could both be given."""
    from jupyter_client.manager import AsyncKernelManager

    async def start_and_ask(ws) -> tuple[dict, dict]:
        km = ws.manager_class(kernel_name="python3")
        assert isinstance(km, AsyncKernelManager)
        await km.start_kernel()
        try:
            client = km.client()
            client.start_channels()
            reply = await client.kernel_info(reply=True, timeout=60)
            client.stop_channels()
            return json.loads(Path(km.connection_file).read_text()), reply["content"]
        finally:
            await km.shutdown_kernel(now=True)

    with sandbox.UnitWorkspace("lab01", sandboxed=False) as ws:
        connection, info = asyncio.run(start_and_ask(ws))
        assert connection["transport"] == "ipc" and connection["ip"].startswith(str(ws.private))
        assert info["status"] == "ok"
