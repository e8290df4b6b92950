"""Which input a wrong answer comes from: re-run the student's function with one input changed.

When a value check has failed and no catalogued diagnosis matched, the next question a TA asks
is "which term is wrong?".  This module answers it by experiment, for any function of several
inputs, without knowing the mistake:

* **Zeroing.** Each input in turn is set to a neutral value (zero unless the check says
  otherwise).  If the student's answer becomes right while the expected answer is still not
  trivial, the mistake lives in the terms that use that input (``y = x @ W.T + b`` becomes right
  when ``x = 0`` and when ``W = 0``: the wrong term is the one with x and W).
* **Repeatability.** The same inputs twice: different answers mean state kept between calls
  (a module-level variable, a mutable default argument) or randomness, and no other probe
  could be trusted.
* **Dependence.** Each input in turn is perturbed.  An answer that does not move when the
  expected one does ignores that input (a hard-coded learning rate, a forgotten bias); one that
  moves when the expected one does not uses an input it should not.

Every sentence is confirmed by the experiment it states, so it is never a guess.  The probes run
only after a check has failed: correct code never pays for them.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from . import core

#: Answer of a probe whose call raised or returned something that is not numbers.
_BROKEN = None


def explain_arguments(student: Callable[..., Any], oracle: Callable[..., Any], args: Mapping[str, Any], *,
                      rtol: float, atol: float, neutral: Mapping[str, Any] | None = None,
                      tag: str = "isolate") -> tuple[str, str] | None:
    """(sentence, stable diagnosis id) saying which input the error comes from, or None.

    ``student`` and ``oracle`` take the values of ``args`` positionally, in its order, and return
    an array, a number or a tuple/list of them (all compared).  Each call receives fresh copies,
    so a function that mutates its inputs does not spoil the next probe.  ``neutral`` overrides
    the value an input is set to when it is "switched off" (``None`` skips the zeroing probe
    for it, e.g. a divisor); inputs that are not float arrays or float numbers are never
    changed.  ``tag`` seeds the perturbations (deterministic grades).
    """
    names = [k for k, v in args.items() if _numeric(v)]
    if not names:
        return None
    expected, got = _run(oracle, args), _run(student, args)
    if expected is _BROKEN or got is _BROKEN or _same(got, expected, rtol, atol):
        return None     # nothing to isolate (or the failure was not about these values)
    # Every experiment below compares runs of the student's function: they mean something only
    # if the same inputs give the same answer.  State kept between calls breaks that, and is
    # itself the mistake.
    again = _run(student, args)
    if again is not _BROKEN and not _same(again, got, rtol, atol):
        return ("two calls with exactly the same inputs gave different results: your code depends on "
                "something besides its inputs, a value kept from an earlier call (a module-level variable, "
                "a mutable default argument such as cache={} or grads=[], an attribute or class attribute "
                "updated on every call) or random numbers"), "not-repeatable"
    unused, spurious = _dependence(student, oracle, args, names, expected, got, rtol, atol, tag)
    if unused:
        listed = _listing(unused)
        swap = _substitute(oracle, args, names, unused, got, rtol, atol)
        return (f"your result does not change when {listed} change{'s' if len(unused) == 1 else ''}: "
                f"{listed} {'is' if len(unused) == 1 else 'are'} not used where the formula needs "
                f"{'it' if len(unused) == 1 else 'them'} "
                + (f"(your values are exactly the expected ones computed with {swap[1]} where {swap[0]} belongs: "
                   f"{swap[1]} written in place of {swap[0]})" if swap else
                   "(a forgotten term, or a fixed value written in its place?)")), "input-unused-" + "-".join(unused)
    if spurious:
        listed = _listing(spurious)
        extra = _extra_term(args, spurious, expected, got, rtol, atol)
        return (f"your result changes with {listed}, which the expected result does not depend on: "
                f"{listed} appear{'s' if len(spurious) == 1 else ''} in a term where "
                f"{'it does' if len(spurious) == 1 else 'they do'} not belong"
                + (f" (your result is the expected one plus {extra[1]:.4g} * {extra[0]} exactly: an extra term)"
                   if extra else "")), "input-spurious-" + "-".join(spurious)
    culprits = _zeroing(student, oracle, args, names, neutral or {}, rtol, atol)
    if culprits and len(culprits) < len(names):
        listed = _listing(culprits, "and")
        when = " and when ".join(f"{k} = {_neutral_words(neutral, k)}" for k in culprits)
        how = _term_described(student, oracle, args, culprits, neutral or {}, got, expected) \
            if len(culprits) == 1 else ""
        return (f"your result becomes right when {when}: the mistake is in the term that uses {listed} "
                f"(the other terms are right){how}"), "wrong-term-" + "-".join(culprits)
    return None


def _term_described(student: Callable[..., Any], oracle: Callable[..., Any], args: Mapping[str, Any],
                    culprits: list[str], neutral: Mapping[str, Any], got: list[np.ndarray],
                    expected: list[np.ndarray]) -> str:
    """How the wrong term differs: yours minus the answer with the input switched off, against the
    same for the expected answer. A term that is one number everywhere, one entry of the input where
    every output needs its own, is said as such; else the pattern of the difference, or ''."""
    k = culprits[0]
    off = neutral[k] if k in neutral and neutral[k] is not None else np.zeros_like(np.asarray(args[k]))
    probe = dict(args, **{k: off})
    want_off, have_off = _run(oracle, probe), _run(student, probe)
    if want_off is _BROKEN or have_off is _BROKEN or len(got) != 1 or len(expected) != 1:
        return ""
    mine, right = got[0] - have_off[0], expected[0] - want_off[0]
    if mine.shape != right.shape or mine.size < 2:
        return ""
    v = np.asarray(args[k], dtype=np.float64)
    flat = mine.ravel()
    if bool(np.allclose(flat, flat[0], rtol=1e-9, atol=1e-12)) and not bool(
            np.allclose(right.ravel(), right.ravel()[0], rtol=1e-9, atol=1e-12)):
        hits = np.argwhere(np.isclose(v, flat[0], rtol=1e-9, atol=1e-12))
        if len(hits):
            at = tuple(int(i) for i in hits[0])
            return (f": your term is the single number {k}[{', '.join(map(str, at))}] = {flat[0]:.4g} everywhere, "
                    f"where each output needs its own entry of {k} (index the whole {k}, not one entry)")
        return f": your term is one number ({flat[0]:.4g}) everywhere, where each output needs its own entry of {k}"
    sentence, _ = core.analyse_difference(mine, right, 1e-6, 1e-9)
    return f": compared with the right term, {sentence.split('; largest error')[0]}" \
        if not sentence.startswith("largest error") else ""


def _dependence(student: Callable[..., Any], oracle: Callable[..., Any], args: Mapping[str, Any],
                names: list[str], expected: list[np.ndarray], got: list[np.ndarray], rtol: float, atol: float,
                tag: str) -> tuple[list[str], list[str]]:
    """Inputs the student's answer ignores although the expected one moves with them, and inputs it
    moves with although the expected one does not."""
    unused, spurious = [], []
    gen = core.rng(f"isolate:{tag}")
    for k in names:
        moved = dict(args, **{k: _perturbed(args[k], gen)})
        want, have = _run(oracle, moved), _run(student, moved)
        if want is _BROKEN or have is _BROKEN:
            continue
        oracle_moves = not _same(want, expected, rtol, atol)
        student_moves = not _same(have, got, rtol, atol)
        if oracle_moves and not student_moves:
            unused.append(k)
        elif student_moves and not oracle_moves:
            spurious.append(k)
    return unused, spurious


def _substitute(oracle: Callable[..., Any], args: Mapping[str, Any], names: list[str], unused: list[str],
                got: list[np.ndarray], rtol: float, atol: float) -> tuple[str, str] | None:
    """(unused input, other input) when the oracle fed the other input (same shape) in the unused one's
    place gives the student's answer exactly: one name written for another."""
    for k in unused:
        for other in names:
            if other == k or np.shape(args[other]) != np.shape(args[k]):
                continue
            have = _run(oracle, dict(args, **{k: args[other]}))
            if have is not _BROKEN and _same(got, have, rtol, atol):
                return k, other
    return None


def _extra_term(args: Mapping[str, Any], spurious: list[str], expected: list[np.ndarray], got: list[np.ndarray],
                rtol: float, atol: float) -> tuple[str, float] | None:
    """(input, c) when the student's answer is the expected one plus c times that input, exactly."""
    if len(got) != 1 or len(expected) != 1:
        return None
    diff = got[0] - expected[0]
    for k in spurious:
        v = np.asarray(args[k], dtype=np.float64)
        if v.shape != diff.shape or not bool((np.abs(v) > 1e-12).any()):
            continue
        c = float(np.sum(diff * v) / np.sum(v * v))
        if c != 0 and core.close(got[0], expected[0] + c * v, max(rtol, 1e-6), atol):
            return k, c
    return None


def _zeroing(student: Callable[..., Any], oracle: Callable[..., Any], args: Mapping[str, Any],
             names: list[str], neutral: Mapping[str, Any], rtol: float, atol: float) -> list[str]:
    """Inputs whose switching off makes the student's answer right while the expected one stays
    non-trivial (not all zeros): the wrong term uses them."""
    culprits = []
    for k in names:
        if k in neutral and neutral[k] is None:
            continue
        off = neutral[k] if k in neutral else np.zeros_like(np.asarray(args[k]))
        if not isinstance(args[k], np.ndarray):
            off = type(args[k])(np.asarray(off).item()) if np.ndim(off) == 0 else off
        probe = dict(args, **{k: off})
        want, have = _run(oracle, probe), _run(student, probe)
        if want is _BROKEN or have is _BROKEN:
            continue
        trivial = all(float(np.max(np.abs(w), initial=0.0)) <= atol for w in want)
        if not trivial and _same(have, want, rtol, atol):
            culprits.append(k)
    return culprits


def _run(fn: Callable[..., Any], args: Mapping[str, Any]) -> list[np.ndarray] | None:
    """The answer of ``fn`` on copies of ``args`` as float64 arrays, or None when it raised or
    returned something that is not numbers.  Warnings are the check's business, not the probe's."""
    copies = [np.array(v, copy=True) if isinstance(v, np.ndarray) else v for v in args.values()]
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = fn(*copies)
        parts = list(out) if isinstance(out, (tuple, list)) else [out]
        return [np.asarray(p, dtype=np.float64) for p in parts]
    except Exception:   # any failure of a probe only means this probe says nothing
        return _BROKEN


def _same(a: list[np.ndarray], b: list[np.ndarray], rtol: float, atol: float) -> bool:
    return len(a) == len(b) and all(core.close(x, y, rtol, atol) for x, y in zip(a, b))


def _numeric(v: Any) -> bool:
    """Float arrays and float numbers are probed; sizes, flags and objects are not."""
    if isinstance(v, np.ndarray):
        return v.size > 0 and np.issubdtype(v.dtype, np.floating)
    return isinstance(v, float)


def _perturbed(v: Any, gen: np.random.Generator) -> Any:
    """``v`` moved by a random amount of its own size (never a multiple of itself, which a
    scale-invariant function would not notice)."""
    if isinstance(v, np.ndarray):
        scale = float(np.max(np.abs(v), initial=0.0)) or 1.0
        return (v + scale * gen.uniform(0.5, 1.0, v.shape) * gen.choice([-1.0, 1.0], v.shape)).astype(v.dtype)
    return float(v) * 1.7 + 0.3


def _neutral_words(neutral: Mapping[str, Any] | None, k: str) -> str:
    if neutral and k in neutral and neutral[k] is not None:
        value = np.asarray(neutral[k])
        return f"{float(value.flat[0]):g}" if bool((value == value.flat[0]).all()) else "its neutral value"
    return "0"


def _listing(names: list[str], conjunction: str = "and") -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {conjunction} {names[-1]}"
