"""Stable grades (issue 15, deliverable 5): a grade must not follow the memory layout.

A fresh process lays memory out the same way every time, so grading a submission twice proves
little: session 12 found lab05's sample-class `buggy` graded 16 by one path and 17 by the other
(a backward whose result followed the iteration order of a set of Values, i.e. their addresses),
the same run after run.  `harness.HeapJitter` shifts the layout before the student's first cell;
these tests show it does change a set's order, and that the sample class's lab05 grades do not
move with it.  benchmarks/bench_stability.py does the same for every lab, 20 runs each, and
grades the whole class through nbgrader 20 times.
"""
from __future__ import annotations

import json
import multiprocessing as mp

import pytest

from autograder import harness, sample_class

LAB = "lab05-autograd"


def _set_order(seed: int, conn) -> None:
    harness.HeapJitter(seed).before(0, {}, None)
    made = [object() for _ in range(40)]
    position = {id(o): i for i, o in enumerate(made)}
    conn.send([position[id(o)] for o in set(made)])
    conn.close()


def test_heap_jitter_changes_the_iteration_order_of_a_set_of_objects():
    ctx = mp.get_context("fork")
    orders = set()
    for seed in range(1, 7):
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_set_order, args=(seed, child))
        proc.start()
        orders.add(tuple(parent.recv()))
        proc.join()
    assert len(orders) > 1, "the jitter did not move the objects: the stability checks would prove nothing"


@pytest.mark.slow
def test_sample_class_lab05_grades_do_not_follow_the_memory_layout(tmp_path):
    subs = sample_class.generate(tmp_path / "class", [LAB])
    expected = json.loads((subs / "manifest.json").read_text())[LAB]["expected_buggy_score"]
    for student in ("perfect", "buggy"):
        prepared = harness.prepare(LAB, (), subs / student / LAB)
        grades = {tuple((c.grade_id, c.points) for c in
                        harness.execute(LAB, prepared, label=student, hooks=harness.HeapJitter(seed)).cells)
                  for seed in (1, 2, 3, 4, 5)}
        assert len(grades) == 1, f"{student}: the grade changed with the memory layout: {grades}"
        total = sum(p for _g, p in next(iter(grades)))
        if student == "buggy":
            assert total == expected, (total, expected)
