"""``JudgedExecute``: nbgrader's ``Execute`` with the kernel sandboxed and the verdict made outside it.

Selected in ``Autograde.autograde_preprocessors`` by the course configuration, so
``nbgrader autograde``, formgrader's Autograde button and ``make grade`` all run it.

For each notebook it

1. reads which hidden checks each graded test cell runs from the trusted *source* notebook
   (``solutions/<lab>/<lab>.ipynb``), never from the submission;
2. refuses a working folder holding links, devices or FIFOs (their targets would be bound in);
3. starts the kernel in the sandbox (autograder/sandbox/) of a fresh :class:`UnitWorkspace`;
4. runs every cell; while a graded test cell runs, a :class:`CellJudge` listens on the
   workspace's judge socket and runs the declared checks against the student's objects;
5. replaces that cell's outputs *wholesale* with the verdict: nothing the kernel printed,
   raised or displayed in a graded test cell reaches ``SaveAutoGrades``, which scores the cell
   from its outputs alone (an ``error`` output: 0 points; none: full points).

The verdict also goes into the cell's metadata (``nnlab.judge``: passed, message, stable
diagnosis id), which the kernel cannot write.
"""
from __future__ import annotations

import importlib
import os
from pathlib import Path

from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, List

from ..judge.declarations import CheckCall, read_declared
from ..judge.runner import CellJudge, CellVerdict
from ..notebooks import is_graded_test, nbgrader_meta
from ..sandbox import MAX_OUTPUT, TRUNCATED, UnitWorkspace, disabled_by_env, plain_entries, warn_unsandboxed

PASSED = "All hidden checks passed.\n"
_warned = False


def verdict_outputs(verdict: CellVerdict) -> list:
    """The outputs that make nbgrader score the cell as the judge decided."""
    if verdict.passed:
        return [new_output("stream", name="stdout", text=PASSED)]
    message = verdict.message or "failed"
    return [new_output("error", ename="HiddenCheckFailed", evalue=message,
                       traceback=[f"HiddenCheckFailed: {message}"])]


def apply_verdict(cell, verdict: CellVerdict) -> None:
    cell.outputs = verdict_outputs(verdict)
    cell.metadata["nnlab"] = {"judge": verdict.to_json()}


_plans: dict = {}


def _data_mounts(lab: str, root: str) -> list[list[str]]:
    """[host folder, folder in the sandbox, variable] of the data sets ``lab`` loads.

    The pipeline locates the data once per run and hands the mounts over in the configuration
    (``JudgedExecute.data_mounts``); plain ``nbgrader autograde`` locates them here, once per
    lab and process, without touching the network (autograder/grading_data.py).
    """
    if lab not in _plans:
        import io

        from .. import grading_data
        _plans[lab] = grading_data.prepare([lab], Path(root) / "build" / "grading", fetch=False, stream=io.StringIO())
    return [[str(m.host_dir), m.mount_point, m.env_var] for m in _plans[lab].mounts]


class JudgedExecute(Execute):
    """See the module docstring."""

    sandboxed = Bool(True, help="Run kernels in the bubblewrap sandbox. Turning it off (or NNLAB_SANDBOX=0) "
                                "is for trusted notebooks only, and says so loudly.").tag(config=True)
    max_output_bytes = Integer(MAX_OUTPUT, help="stream/display bytes kept per cell").tag(config=True)
    data_mounts: List = List(None, allow_none=True, help="[host folder, folder in the sandbox, environment variable] "
                       "of each data set, read-only (None: located here)").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        global _warned
        info = (resources or {}).get("nbgrader", {})
        lab, notebook = info["assignment"], info["notebook"]
        self._declared = self._declarations(lab, notebook)
        key = self._lab_key(lab)
        forbidden = tuple(getattr(importlib.import_module(f"autograder.checks.{key}"), "FORBIDDEN_IMPORTS", ())) \
            if key else ()
        cwd = (resources or {}).get("metadata", {}).get("path") or os.getcwd()
        plain_entries(cwd)   # raises UnsafeSubmissionFile: this submission fails, the class goes on
        sandboxed = self.sandboxed and not disabled_by_env()
        if not sandboxed and not _warned:
            warn_unsandboxed()
            _warned = True
        self._out_bytes: dict[int, int] = {}
        self.verdicts: dict[str, CellVerdict] = {}
        from nbgrader.coursedir import CourseDirectory
        mounts = self.data_mounts if self.data_mounts is not None else \
            _data_mounts(lab, CourseDirectory(config=self.config).root)
        if sandboxed:
            binds = tuple((host, inside) for host, inside, _ in mounts)
            env = tuple((var, inside) for _, inside, var in mounts)
        else:   # the plain kernel reads the host folders themselves
            binds, env = (), tuple((var, host) for host, _, var in mounts)
        with UnitWorkspace(key or "unknown", sandboxed=sandboxed, forbidden=forbidden,
                           data_binds=binds, env=env) as ws:
            self._judge_socket = ws.judge_socket
            self.kernel_manager_class = ws.manager_class
            return super().preprocess(nb, resources, km)

    def _declarations(self, lab: str, notebook: str) -> dict[str, list[CheckCall]]:
        from nbgrader.coursedir import CourseDirectory
        coursedir = CourseDirectory(config=self.config)
        source = Path(coursedir.format_path(coursedir.source_directory, ".", lab)) / f"{notebook}.ipynb"
        return read_declared(source)

    @staticmethod
    def _lab_key(lab: str) -> str | None:
        from ..paths import LAB_ID
        m = LAB_ID.match(lab)
        return f"lab{m.group(1)}" if m else None

    def preprocess_cell(self, cell, resources, index):
        if not is_graded_test(cell):
            return super().preprocess_cell(cell, resources, index)
        grade_id = nbgrader_meta(cell).get("grade_id", "")
        judge = CellJudge(self._judge_socket, grade_id, self._declared.get(grade_id, []))
        with judge:
            cell, resources = super().preprocess_cell(cell, resources, index)
        apply_verdict(cell, judge.verdict)
        self.verdicts[grade_id] = judge.verdict
        return cell, resources

    def output(self, outs, msg, display_id, cell_index):
        """Cap each cell's output as it arrives, in the grader process (LimitOutput acts too late:
        a notebook printing 1 GB would make the grader hold it first)."""
        content = msg.get("content", {})
        size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
        used = self._out_bytes.get(cell_index, 0)
        self._out_bytes[cell_index] = used + size
        if used + size > self.max_output_bytes and msg.get("msg_type") in ("stream", "display_data",
                                                                           "execute_result", "update_display_data"):
            if used <= self.max_output_bytes:
                keep = max(0, self.max_output_bytes - used)
                if msg.get("msg_type") == "stream":
                    outs.append(new_output("stream", name=content.get("name", "stdout"),
                                           text=content.get("text", "")[:keep]))
                outs.append(new_output("stream", name="stdout",
                                       text=f"\n... {TRUNCATED} {self.max_output_bytes} bytes ...\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)
