"""``make grade``: grade a class folder with nbgrader and produce the gradebook, CSV and feedback.

1. collect: one :class:`~autograder.collect.Submission` per student × lab, with the reason
   when it cannot be graded (missing, invalid JSON, wrong name...);
2. grade: each gradable submission is a unit (autograder/unit.py) run in a forked worker
   process of its own (at most ``jobs`` at a time), so a crash, a kernel death or a student
   killing its parent loses that one submission only;
3. merge: results go into the course gradebook through nbgrader's API, outputs into
   ``build/autograded`` and ``build/feedback``;
4. report: ``build/grades.csv`` (one row per student × lab, one column per graded cell) and
   a student × lab table on stdout.

Results are cached per unit by a hash of its inputs, so a re-run regrades only what changed
(``--force`` regrades everything).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import shutil
import sys
import time
from multiprocessing.connection import wait
from pathlib import Path

from . import collect, gradebook, grading_data, notebooks, submitted_layout
from .config import CELL_TIMEOUT, gradebook_url
from .paths import BUILD, ROOT, SOLUTIONS, lab_ids
from .records import UnitResult, UnitSpec
from .textsafe import one_line
from .worker import UNIT_TIMEOUT, kill_group, preload, read_result, run_unit


def make_spec(sub: collect.Submission, work: Path, templates: dict) -> dict:
    """The unit of ``sub``, as the JSON form of a :class:`~autograder.records.UnitSpec`."""
    db, release_nb = templates[sub.lab]
    return UnitSpec(
        student=sub.student, lab=sub.lab, submission_dir=str(sub.folder), notebook=sub.notebook,
        notes=list(sub.notes), template_db=str(db), release_notebook=str(release_nb),
        source_dir=str(SOLUTIONS / sub.lab), course_root=str(ROOT),
        student_files=notebooks.student_files(SOLUTIONS / sub.lab),
        workdir=str(work / f"{sub.student}--{sub.lab}"), cell_timeout=CELL_TIMEOUT,
    ).to_json()


def input_hash(spec: dict) -> str:
    parts = [gradebook.folder_hash(Path(spec["submission_dir"])), Path(spec["template_db"]).parent.name,
             gradebook.folder_hash(Path(spec["source_dir"])), str(spec["cell_timeout"])]
    if not spec.get("sandbox", True):
        parts.append("unsandboxed")   # a trusted-mode result is never reused by a sandboxed run
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def run_forked(specs: list[dict], jobs: int, on_done) -> None:
    """Run units in forked workers, ``jobs`` at a time; call ``on_done(result)`` as each ends."""
    if specs:
        preload()
    ctx = mp.get_context("fork")
    pending, running = list(specs), {}

    def start_more() -> None:
        while pending and len(running) < jobs:
            spec = pending.pop(0)
            out = spec["workdir"] + ".result.json"
            if os.path.exists(out):
                os.remove(out)
            proc = ctx.Process(target=run_unit, args=(spec, out), daemon=False)
            proc.start()
            running[proc.sentinel] = (proc, spec, out, time.monotonic())

    while pending or running:
        start_more()
        ready = wait(list(running), timeout=1.0)
        now, finished = time.monotonic(), []
        for key, (proc, spec, out, started) in list(running.items()):
            if key not in ready and now - started < UNIT_TIMEOUT:
                continue
            if key not in ready:  # over the whole-submission limit
                kill_group(proc.pid)
            proc.join()
            kill_group(proc.pid)  # a kernel may outlive its worker: end the whole group
            del running[key]
            finished.append(read_result(spec, out, proc.exitcode, timed_out=key not in ready))
        start_more()   # the next units grade while these results are merged (on_done is serial)
        for result in finished:
            on_done(result)


# --------------------------------------------------------------------------- pipeline
#: A kernel or grader that died while other units ran may have been starved by them: units
#: share the machine's memory and, when grading as an ordinary user, one uid's process limit
#: (a fork bomb next door leaves a kernel no threads).  Such a unit is graded once more on
#: its own before the failure counts; a notebook that kills itself dies again, alone.
_NEIGHBOUR_FAILURES = ("the kernel died", "the grading process died")
REGRADED_ALONE = "graded again on its own after its kernel died alongside other submissions"


def _neighbour_may_have_caused(result: dict) -> bool:
    return not result.get("ok") and (result.get("failure") or "").startswith(_NEIGHBOUR_FAILURES)


def grade(submissions: Path, labs: list[str] | None = None, out: Path = BUILD, jobs: int | None = None,
          force: bool = False, db_url: str | None = None, quiet: bool = False,
          scheduler: str | None = None, sandbox: bool = True):
    """Grade every submission under ``submissions``; return the gradebook DataFrame.

    ``scheduler``: address of a Dask scheduler (``tcp://host:8786``) to send units to;
    ``None`` grades on this machine.  ``sandbox``: run kernels in the sandbox
    (autograder/sandbox.py); turning it off is for trusted notebooks only.
    """
    from tqdm.auto import tqdm

    from . import sandbox as sandboxing
    if sandbox and sandboxing.disabled_by_env():
        sandbox = False
    if sandbox:
        sandboxing.require()   # fail closed before any unit starts (SandboxUnavailable says why)
    else:
        sandboxing.warn_unsandboxed()
    labs = labs or lab_ids()
    jobs = jobs or os.cpu_count() or 1
    out = Path(out)
    if db_url is None:
        # NNLAB_GRADEBOOK_URL (e.g. PostgreSQL) wins; else an SQLite file in the output folder.
        db_url = gradebook_url(ROOT) if out == BUILD or os.environ.get("NNLAB_GRADEBOOK_URL") else \
            f"sqlite:///{(out / 'gradebook.db').resolve()}"
    grading = out / "grading"
    work, results_dir = grading / "work", grading / "results"
    for d in (work, results_dir):
        d.mkdir(parents=True, exist_ok=True)

    templates = {lab: gradebook.template(lab, SOLUTIONS / lab, grading / "templates") for lab in labs}
    for lab in labs:
        gradebook.ensure_assignment(db_url, lab, grading / "scratch-release")
    subs = collect.collect(submissions, labs)
    submitted_layout.publish(subs, out)            # nbgrader's submitted layout: formgrader lists them
    data = grading_data.prepare(labs, grading)     # once per run, before any unit (bound read-only)
    mounts = [[str(m.host_dir), m.mount_point, m.env_var] for m in data.mounts]

    results, todo = [], []
    for sub in subs:
        cached = results_dir / sub.student / f"{sub.lab}.json"
        if sub.problem:   # never reaches nbgrader: scores 0 now, never a stale score
            res = UnitResult.not_run(sub.student, sub.lab, problem=sub.problem, notes=sub.notes).to_json()
            gradebook.merge(db_url, res)
            results.append(res)
            continue
        spec = make_spec(sub, work, templates)
        spec["sandbox"] = sandbox
        spec["data_mounts"] = mounts
        spec["input_hash"] = input_hash(spec)
        if not force and cached.exists():
            old = json.loads(cached.read_text())
            if old.get("input_hash") == spec["input_hash"]:
                old["cached"] = True
                results.append(old)
                continue
        todo.append(spec)

    bar = tqdm(total=len(todo), desc="grading", unit="submission", disable=quiet or not todo)

    by_key = {(s["student"], s["lab"]): s for s in todo}
    alone: list[dict] = []

    def done(result: dict) -> None:
        spec = by_key[(result["student"], result["lab"])]
        parallel = len(todo) > 1 and (jobs > 1 or scheduler is not None)
        if parallel and not spec.get("alone") and _neighbour_may_have_caused(result):
            spec["alone"] = True        # graded once more below, with no other unit running
            spec["first_attempt"] = f"{result.get('failure')}\n{result.get('trace') or ''}".strip()
            shutil.rmtree(spec["workdir"], ignore_errors=True)
            alone.append(spec)
            return
        if spec.get("alone"):
            result.setdefault("notes", []).append(REGRADED_ALONE)
            # Why the first attempt died stays in the cached result (the "trace" field).
            result["trace"] = "\n".join(t for t in (result.get("trace"), "first attempt: " + spec["first_attempt"]) if t)
        result["input_hash"] = spec["input_hash"]
        _publish(result, out)
        gradebook.merge(db_url, result)
        if not result.get("retry"):  # an infrastructure failure is regraded by the next run
            # Cached last and atomically: a crash before this line regrades the unit (merge is
            # idempotent), a crash after it keeps it; never a half-written cache file.
            path = results_dir / result["student"] / f"{result['lab']}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(result, indent=1))
            os.replace(tmp, path)
        shutil.rmtree(spec["workdir"], ignore_errors=True)
        results.append(result)
        bar.set_postfix_str(one_line(f"{result['student']}/{result['lab']}", 80))
        bar.update()

    start = time.perf_counter()
    for batch, batch_jobs in ((todo, jobs), (alone, 1)):   # ``alone`` fills while ``todo`` runs
        if scheduler:
            from .scale import run_dask
            run_dask(batch, scheduler, done, jobs=batch_jobs)
        else:
            run_forked(batch, batch_jobs, done)
    bar.close()
    df = gradebook.export(db_url, results, labs)
    csv = out / "grades.csv"
    gradebook.write_csv(df, csv)
    seconds = time.perf_counter() - start
    _summary(df, out, seconds, len(todo), quiet, data)
    from . import dashboard  # here, not at the top: matplotlib stays out of the forked workers
    dashboard.publish(results, df, out, {"seconds": seconds, "graded": len(todo), "jobs": jobs,
                                         "sandbox": sandbox, "scheduler": scheduler})
    return df


def _publish(result: dict, out: Path) -> None:
    """Copy the unit's autograded notebook folder and feedback into the course's build tree."""
    student, lab = result["student"], result["lab"]
    if result.get("autograded_dir"):
        dest = out / "autograded" / student / lab
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(result["autograded_dir"], dest)
        result["autograded_dir"] = str(dest)
    if result.get("feedback_html"):
        dest = out / "feedback" / student / lab / f"{lab}.html"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(result["feedback_html"], dest)
        result["feedback_html"] = str(dest)


def _summary(df, out: Path, seconds: float, graded: int, quiet: bool, data=None) -> None:
    table = gradebook.score_table(df)
    problems = df[df.status != "graded"][["student_id", "assignment", "status"]]
    if data is not None and not data.usable:
        # Missing data stops the same cells for everyone: said once below, not once per student.
        only_data = problems.assignment.isin(data.labs) & problems.status.str.fullmatch(
            r"graded; stopped: cell \d+ FileNotFoundError: .*")
        problems = problems[~only_data]
    lines = [f"graded {graded} submission(s) in {seconds:.1f} s; gradebook: {out / 'grades.csv'}", "",
             table.to_string(), ""]
    if data is not None and data.summary_note:
        lines += [f"Data: {data.summary_note}", ""]
    if len(problems):
        lines.append("Needs attention:")
        lines += [f"  {one_line(r.student_id, 80)} / {r.assignment}: {one_line(r.status, 1000)}"
                  for r in problems.itertuples()]
    text = "\n".join(lines)
    (out / "summary.txt").write_text(text + "\n")
    if not quiet:
        print(text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m autograder grade", description="Grade a class folder")
    ap.add_argument("--submissions", type=Path, default=None,
                    help="folder of <student>/<lab>/ submissions (default: the generated sample class)")
    ap.add_argument("--labs", nargs="*", default=None, help="lab ids (default: all)")
    ap.add_argument("--jobs", type=int, default=None, help="parallel workers (default: all cores)")
    ap.add_argument("--out", type=Path, default=BUILD)
    ap.add_argument("--force", action="store_true", help="regrade even unchanged submissions")
    ap.add_argument("--scheduler", default=os.environ.get("NNLAB_SCHEDULER") or None,
                    help="Dask scheduler address (tcp://host:8786) to grade on a cluster, "
                         "or 'local' for a Dask LocalCluster of --jobs workers")
    ap.add_argument("--no-sandbox", action="store_true",
                    help="run kernels without the sandbox: ONLY for trusted notebooks")
    args = ap.parse_args(argv)
    if args.submissions is None:
        from .sample_class import generate
        args.submissions = generate(args.out / "sample-class", args.labs or lab_ids())
    try:
        grade(args.submissions, args.labs, args.out, args.jobs, args.force,
              scheduler=args.scheduler, sandbox=not args.no_sandbox)
    except FileNotFoundError as exc:
        print(f"grade: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        from .sandbox import SandboxUnavailable
        if not isinstance(exc, SandboxUnavailable):
            raise
        print(f"grade: refusing to grade submissions without the sandbox: {exc}", file=sys.stderr)
        return 2
    return 0
