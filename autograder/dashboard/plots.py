"""The dashboard's figures: matplotlib drawn straight to SVG text, inlined in the page.

Only course-controlled text (lab ids, cell names, numbers) goes into a figure; messages and
student ids, which students control, stay in the HTML where they are escaped.  Figures are
made with ``matplotlib.figure.Figure`` (no pyplot state), text is kept as SVG text (smaller,
selectable, read by screen readers) and every figure gets its own id salt, so the clip paths
of several figures inlined in one page never share an id.
"""
from __future__ import annotations

import html
import io
import itertools

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from .stats import CellStats, ScoreStats

WIDTH = 6.4   # inches; the page scales figures down on narrow screens
BLUE, ORANGE, GREY, RED = "#1f77b4", "#ff7f0e", "#555555", "#d62728"
_RC = {"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}


def to_svg(fig: Figure, name: str, label: str) -> str:
    """The figure as an inline ``<svg>`` element labelled for assistive technology."""
    buf = io.StringIO()
    with matplotlib.rc_context({**_RC, "svg.hashsalt": name}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    return text.replace("<svg", f'<svg role="img" aria-label="{html.escape(label)}" class="plot"', 1)


def _bar_figure(labels: list[str], row: float, font: float) -> Figure:
    """A figure with one horizontal row per label and a left margin wide enough for the labels.

    Fixed margins rather than constrained layout, which took half of the drawing time.
    """
    height = 0.75 + row * max(1, len(labels))
    label_width = 0.15 + 0.6 * font / 72 * max((len(t) for t in labels), default=1)   # inches
    fig = Figure(figsize=(WIDTH, height))
    fig.subplots_adjust(left=min(0.6, label_width / WIDTH), right=0.98, bottom=0.5 / height, top=1 - 0.1 / height)
    fig.add_subplot()
    return fig


def histogram_bins(stats: ScoreStats) -> tuple[np.ndarray, list[str]]:
    """Bin edges and their labels: one bin per score when scores are whole points (up to 30),
    else 20 equal bins over [0, max] (the last one closed)."""
    top = max(stats.max_points, max(stats.scores, default=0.0))
    whole = float(top).is_integer() and all(float(s).is_integer() for s in stats.scores)
    if whole and top <= 30:
        edges = np.arange(-0.5, top + 1.0, 1.0)
        return edges, [f"{lo + 0.5:g}" for lo in edges[:-1]]
    edges = np.linspace(0, top or 1.0, 21)
    return edges, [f"{lo:.3g} to {hi:.3g}" for lo, hi in itertools.pairwise(edges)]


def score_histogram(stats: ScoreStats) -> tuple[str, list[tuple[str, int]]]:
    """SVG histogram of a lab's automatic scores with mean, median and quartiles; and its table."""
    edges, names = histogram_bins(stats)
    counts, _ = np.histogram(stats.scores, bins=edges)
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(WIDTH, 2.8))
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.16, top=0.88)
        ax = fig.add_subplot()
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=BLUE, edgecolor="white", linewidth=0.5)
        if stats.scores:
            ax.axvspan(stats.quantile(0.25), stats.quantile(0.75), color=ORANGE, alpha=0.15, label="quartiles Q1–Q3")
            ax.axvline(stats.quantile(0.5), color=ORANGE, linewidth=2, label=f"median {stats.quantile(0.5):.3g}")
            ax.axvline(stats.mean, color=GREY, linestyle="--", linewidth=1.5, label=f"mean {stats.mean:.3g}")
            # Above the axes, where it never hides a bar.
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, frameon=False, fontsize=8,
                      borderaxespad=0.2)
        ax.set_xlim(edges[0], edges[-1])
        ax.set_xlabel(f"automatic score (points out of {stats.max_points:g})")
        ax.set_ylabel("submissions")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.xaxis.get_major_locator().set_params(integer=True)
    label = (f"Histogram of automatic scores in {stats.lab}: {stats.graded} graded submissions"
             + (f", mean {stats.mean:.3g}, median {stats.quantile(0.5):.3g}, quartiles {stats.quantile(0.25):.3g}"
                f" and {stats.quantile(0.75):.3g}, out of {stats.max_points:g} points" if stats.scores else ""))
    return to_svg(fig, f"hist-{stats.lab}", label), [(n, int(c)) for n, c in zip(names, counts)]


def cell_pass_rates(lab: str, cells: list[CellStats]) -> str:
    """SVG horizontal bars: each graded cell's pass rate, hardest at the top."""
    rates = [100 * c.pass_rate for c in cells]
    with matplotlib.rc_context(_RC):
        fig = _bar_figure([c.cell for c in cells], row=0.24, font=8)
        ax = fig.axes[0]
        y = np.arange(len(cells))
        ax.barh(y, rates, color=[RED if r < 50 else BLUE for r in rates], height=0.7)
        ax.set_yticks(y, [c.cell for c in cells], parse_math=False, fontsize=8)
        ax.invert_yaxis()          # hardest (first) at the top
        ax.set_xlim(0, 100)
        ax.set_xlabel("submissions passing the cell (%)")
        for yi, r in zip(y, rates):
            ax.text(min(r + 1, 88), yi, f"{r:.0f} %", va="center", fontsize=7)
    hardest = ", ".join(f"{c.cell} {100 * c.pass_rate:.0f} %" for c in cells[:3])
    label = f"Pass rate of each graded cell of {lab}, hardest first: {hardest}"
    return to_svg(fig, f"cells-{lab}", label)


def unit_times(unit_seconds: dict[str, tuple[float, ...]]) -> str:
    """SVG box plot of the time each submission took to grade, per lab."""
    labs = list(unit_seconds)
    with matplotlib.rc_context(_RC):
        fig = _bar_figure(labs, row=0.3, font=9)
        ax = fig.axes[0]
        ax.boxplot([unit_seconds[lab] for lab in labs], orientation="horizontal", widths=0.6,
                   flierprops={"markersize": 3})
        ax.set_yticks(np.arange(1, len(labs) + 1), labs, parse_math=False)
        ax.invert_yaxis()
        ax.set_xlabel("seconds to grade one submission")
    medians = ", ".join(f"{lab} {np.median(v):.1f} s" for lab, v in unit_seconds.items())
    return to_svg(fig, "unit-times", f"Box plot of the grading time per submission; medians: {medians}")
