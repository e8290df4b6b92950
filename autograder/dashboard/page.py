"""``build/dashboard/index.html``: one static page for TAs, readable from disk with no server.

Everything is inline (CSS, SVG figures), nothing is fetched, and there is no script: a
Content-Security-Policy forbids scripts and remote loads, as a second line behind escaping.
Every string a student controls (student ids, messages, statuses, notes, file names) goes
through :func:`html.escape` in :func:`esc`; links are relative and percent-encoded.
"""
from __future__ import annotations

import datetime as _dt
import html
import math
import os
import re
import statistics
import urllib.parse
from pathlib import Path

from . import plots
from .stats import Attention, Dashboard, Diagnosis, LabView, RunStats, StudentMistake

#: Mistakes listed one by one per lab; the rest are one click further down.
TOP_DIAGNOSES = 10
#: Failure messages longer than this are cut in a mistake's one-line summary (in full inside).
SUMMARY_CHARS = 180
OVERVIEW_CHARS = 110
KIND_SUMMARY = {"not graded": "not graded", "failed": "failed to run", "findings": "with integrity findings or notes",
                "zero score": "scoring zero"}

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1b1b1b;
 margin:0;background:#f6f7f9}
header,main,footer{max-width:1060px;margin:0 auto;padding:0 1.2rem}
header{padding-top:1rem}h1{margin:.2rem 0}h2{margin-top:2rem;border-bottom:2px solid #d0d5dc}
nav a{margin-right:.9rem}
section.lab,section.box{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:.2rem 1rem 1rem;
 margin:1.2rem 0}
section.lab h2,section.box h2{border:0}
table{border-collapse:collapse;margin:.5rem 0;font-size:14px}
th,td{border-bottom:1px solid #e3e6ea;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#eef1f4}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:.6rem 0}svg.plot{max-width:100%;height:auto;display:block}
figcaption{color:#444;font-size:14px}
details{margin:.3rem 0}summary{cursor:pointer}
ol.diagnoses>li{margin:.35rem 0}
.msg{font-weight:600}.id{color:#555;font-family:ui-monospace,monospace;font-size:13px}
.kind{white-space:nowrap;font-weight:600}.k-not-graded,.k-failed{color:#b00020}
.k-findings{color:#8a5a00}.k-zero-score{color:#444}
.stats{display:flex;gap:1.4rem;flex-wrap:wrap;margin:.4rem 0}.stats div{min-width:5rem}
.stats b{display:block;font-size:20px}
.muted{color:#666}
"""

_CHECK_PREFIX = re.compile(r"^CheckFailure: ")


def esc(value) -> str:
    """Escape anything for HTML text and quoted attribute values."""
    return html.escape(str(value), quote=True)


def headline(message: str, limit: int | None = None) -> str:
    """A failure message as shown to TAs: the check's own words without the exception name,
    cut to ``limit`` characters where space is short."""
    text = _CHECK_PREFIX.sub("", message) or "(no message)"
    return text if limit is None or len(text) <= limit else text[:limit - 1].rstrip() + "…"


def diagnosis_anchor(lab: str, rank: int) -> str:
    return f"{anchor(lab)}-mistake-{rank}"


def href(target: str | os.PathLike | None, out_dir: Path) -> str | None:
    """A relative, percent-encoded link from the page to ``target``; None if the file is missing."""
    if not target or not Path(target).is_file():
        return None
    rel = os.path.relpath(Path(target).resolve(), out_dir.resolve())
    return urllib.parse.quote(rel.replace(os.sep, "/"))


def link(text: str, target, out_dir: Path) -> str:
    url = href(target, out_dir)
    return f'<a href="{esc(url)}">{esc(text)}</a>' if url else esc(text)


def anchor(lab: str) -> str:
    return "lab-" + re.sub(r"[^A-Za-z0-9_-]", "-", lab)


def num(x: float, digits: int = 3) -> str:
    return "–" if math.isnan(x) else f"{x:.{digits}g}"   # NaN (no graded submission) shows as a dash


def percent(x: float) -> str:
    return "–" if math.isnan(x) else f"{100 * x:.0f} %"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def table(head: list[str] | None, rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    """An HTML table from cells that are ALREADY escaped HTML (callers escape)."""
    def cls(i: int) -> str:
        return ' class="n"' if i in numeric else ""
    ths = "".join(f'<th{cls(i)} scope="col">{h}</th>' for i, h in enumerate(head or ()))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table>{f'<thead><tr>{ths}</tr></thead>' if head else ''}<tbody>{body}</tbody></table>"


def figure(svg: str, caption: str, data_table: str) -> str:
    return (f'<figure>{svg}<figcaption>{caption}</figcaption>'
            f'<details class="data"><summary>Data behind the figure</summary>{data_table}</details></figure>')


# --------------------------------------------------------------------------- sections
def overview(d: Dashboard) -> str:
    rows = []
    for v in d.labs:
        s, top = v.scores, (v.diagnoses[0] if v.diagnoses else None)
        rows.append([f'<a href="#{anchor(v.lab)}">{esc(v.lab)}</a>', str(s.graded), str(s.failed + s.not_graded),
                     num(s.mean), num(s.quantile(0.5)), num(s.quantile(0.25)), num(s.quantile(0.75)),
                     f"{s.max_points:g}",
                     f'<a href="#{diagnosis_anchor(v.lab, 1)}">{esc(headline(top.message, OVERVIEW_CHARS))}</a> '
                     f'({plural(len(top.students), "student")})' if top else "none"])
    return ('<section class="box" id="overview"><h2>Overview</h2>'
            + table(["lab", "graded", "not graded or failed", "mean", "median", "Q1", "Q3", "max",
                     "most frequent mistake"], rows, {1, 2, 3, 4, 5, 6, 7})
            + "<p class=muted>Scores are automatic points; written answers are graded by hand later. "
              "Submissions that were not graded or whose run failed are left out of the statistics "
              'and listed under <a href="#attention">needs attention</a>.</p></section>')


def scores_part(v: LabView) -> str:
    s = v.scores
    svg, bins = plots.score_histogram(s)
    stats = "".join(f"<div>{name}<b>{value}</b></div>" for name, value in [
        ("graded", str(s.graded)), ("mean", num(s.mean)), ("median", num(s.quantile(0.5))),
        ("Q1", num(s.quantile(0.25))), ("Q3", num(s.quantile(0.75))), ("out of", f"{s.max_points:g}"),
        ("failed", str(s.failed)), ("not graded", str(s.not_graded))])
    caption = (f"Automatic scores of the {plural(s.graded, 'graded submission')} of {esc(s.lab)}; "
               "the band spans the middle half (Q1 to Q3).")
    data = table(["score", "submissions"], [[esc(b), str(n)] for b, n in bins], {1})
    return f'<h3>Scores</h3><div class="stats">{stats}</div>' + figure(svg, caption, data)


def cells_part(v: LabView) -> str:
    if not v.cells:
        return "<h3>Graded cells</h3><p>No graded submission: no cell statistics.</p>"
    svg = plots.cell_pass_rates(v.lab, v.cells)
    rows = [[esc(c.cell), percent(c.pass_rate), f"{c.mean_points:.2g} / {c.max_points:g}",
             f"{c.submissions - c.passed}", f'<span class="id">{esc(c.top_diagnosis or "")}</span>']
            for c in v.cells]
    data = table(["cell", "pass rate", "mean points", "failed", "most frequent diagnosis"], rows, {1, 2, 3})
    caption = "Share of graded submissions passing each automatically graded cell, hardest first."
    return "<h3>Graded cells, hardest first</h3>" + figure(svg, caption, data)


def student_rows(mistakes: tuple[StudentMistake, ...], out_dir: Path) -> str:
    rows = [[link(m.student, m.feedback, out_dir), esc(", ".join(m.cells)), esc(headline(m.message))]
            for m in mistakes]
    return table(["student (feedback page)", "cells", "message"], rows)


def diagnosis_item(dg: Diagnosis, rank: int, out_dir: Path) -> str:
    n = len(dg.students)
    full = headline(dg.message)
    wording = "" if len(full) <= SUMMARY_CHARS else f"<p>{esc(full)}</p>"
    return (f'<li id="{diagnosis_anchor(dg.lab, rank)}" data-diagnosis="{esc(dg.id or "")}" data-students="{n}">'
            f'<details><summary><span class="msg">{esc(headline(dg.message, SUMMARY_CHARS))}</span>: '
            f'{plural(n, "student")}, {percent(dg.share)}</summary>{wording}'
            f'<p><span class="id">{esc(dg.id or "no diagnosis named")}</span> · cells {esc(", ".join(dg.cells))}'
            f' · {dg.points_lost:g} points lost in all</p>{student_rows(dg.mistakes, out_dir)}</details></li>')


def diagnoses_part(v: LabView, out_dir: Path) -> str:
    if not v.diagnoses:
        return "<h3>Most frequent mistakes</h3><p>No graded cell failed.</p>"
    top, rest = v.diagnoses[:TOP_DIAGNOSES], v.diagnoses[TOP_DIAGNOSES:]
    html_ = ('<h3>Most frequent mistakes</h3><p class=muted>Share of the lab\'s graded submissions; '
             'open a mistake for the students concerned and their feedback pages.</p>'
             '<ol class="diagnoses">' + "".join(diagnosis_item(d, i, out_dir) for i, d in enumerate(top, 1))
             + "</ol>")
    if rest:
        html_ += (f'<details><summary>{plural(len(rest), "less frequent mistake")}</summary>'
                  f'<ol class="diagnoses" start="{len(top) + 1}">'
                  + "".join(diagnosis_item(d, i, out_dir) for i, d in enumerate(rest, len(top) + 1))
                  + "</ol></details>")
    return html_


def lab_section(v: LabView, out_dir: Path) -> str:
    return (f'<section class="lab" id="{anchor(v.lab)}" data-lab="{esc(v.lab)}"><h2>{esc(v.lab)}</h2>'
            + scores_part(v) + cells_part(v) + diagnoses_part(v, out_dir) + "</section>")


def attention_section(items: list[Attention], out_dir: Path) -> str:
    """One row per student, most serious first; each lab's issue links to that feedback page."""
    counts: dict[str, int] = {}
    by_student: dict[str, list[Attention]] = {}
    for a in items:   # already ordered: not graded, failed, findings, zero score
        counts[a.kind] = counts.get(a.kind, 0) + 1
        by_student.setdefault(a.student, []).append(a)
    summary = ", ".join(f"{n} {KIND_SUMMARY[kind]}" for kind, n in counts.items()) or "Nothing to report"
    rows = []
    for student, issues in by_student.items():
        lines = [f'<span class="kind k-{a.kind.replace(" ", "-")}">{esc(a.kind)}</span> '
                 f'{link(a.lab, a.feedback, out_dir)}: ' + "; ".join(esc(_reason(r)) for r in a.reasons)
                 for a in issues]
        rows.append([esc(student), "<br>".join(lines)])
    body = table(["student", "issues (lab links to the feedback page)"], rows) if rows else ""
    return (f'<section class="box" id="attention"><h2>Students needing attention</h2>'
            f"<p>{plural(len(by_student), 'student')}: {esc(summary)}.</p>{body}</section>")


def _reason(status: str) -> str:
    """A status without the kind already shown next to it ("failed: ...", "not graded: ...")."""
    return re.sub(r"^(failed|not graded): ", "", status)


def run_section(run: RunStats) -> str:
    took = f"{run.seconds:.1f} s" if run.seconds is not None else "not recorded"
    rate = f"{run.throughput:.1f} submissions per minute" if run.throughput else "–"
    facts = [("grading time", took), ("graded by this run", "–" if run.graded is None else str(run.graded)),
             ("throughput", rate), ("reused from the cache", str(run.cached)), ("units in the results", str(run.units)),
             *run.settings]
    facts_html = table(None, [[esc(k), esc(v)] for k, v in facts])
    parts = [f'<section class="box" id="run"><h2>Grading run</h2>{facts_html}']
    if run.unit_seconds:
        svg = plots.unit_times(run.unit_seconds)
        rows = [[esc(lab), str(len(v)), f"{statistics.median(v):.1f}", f"{max(v):.1f}"]
                for lab, v in run.unit_seconds.items()]
        data = table(["lab", "submissions", "median s", "max s"], rows, {1, 2, 3})
        parts.append(figure(svg, "Time to grade one submission (kernel start, cells, feedback), per lab; "
                                 "units from the cache keep the time of the run that graded them.", data))
        slow = [[esc(s), esc(lab), f"{t:.1f}"] for s, lab, t in run.slowest]
        parts.append("<h3>Slowest submissions</h3>" + table(["student", "lab", "seconds"], slow, {2}))
    return "".join(parts) + "</section>"


def render(d: Dashboard, out_dir: Path, downloads: dict[str, Path] | None = None) -> str:
    """The whole page as a string."""
    nav = " ".join([f'<a href="#{anchor(v.lab)}">{esc(v.lab)}</a>' for v in d.labs]
                   + ['<a href="#attention">needs attention</a>', '<a href="#run">grading run</a>'])
    files = [link(name, path, out_dir) for name, path in (downloads or {}).items() if href(path, out_dir)]
    submissions = sum(v.scores.submissions for v in d.labs)
    now = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return "".join([
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,"><title>Class dashboard</title>',
        f"<style>{CSS}</style></head><body><header><h1>Class dashboard</h1>",
        (f"<p>{plural(d.students, 'student')} · {plural(submissions, 'submission')} · "
         f"{plural(len(d.labs), 'lab')} · generated {esc(now)}</p><nav>{nav}</nav></header><main>"),
        overview(d), *(lab_section(v, out_dir) for v in d.labs), attention_section(d.attention, out_dir),
        run_section(d.run), "</main><footer><p class=muted>",
        ("Data: " + ", ".join(files) + ". ") if files else "",
        "Written by <code>make grade</code> (autograder/dashboard).</p></footer></body></html>\n"])
