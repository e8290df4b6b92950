"""The bug zoo: catalogued student mistakes and correct alternative answers, per lab.

Each ``autograder/zoo/labNN.py`` defines ``MUTANTS`` and ``VARIANTS``, lists of
:class:`Patch`.  A patch is a literal text substitution applied to the *solution* source
(the notebook's cells or a student ``.py`` file): ``old`` must occur exactly once, so a
patch that no longer applies after the solution is edited fails loudly instead of
silently testing nothing.  A mutant must lose points with a failure message containing
one of its ``expect`` phrases; a variant must keep full marks.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from ..paths import lab_key


@dataclass(frozen=True)
class Patch:
    name: str
    old: str
    new: str
    file: str | None = None          # None: the lab notebook; else a path relative to the lab
    expect: tuple[str, ...] = field(default_factory=tuple)  # phrases that name the mistake
    # Further (old, new) pairs when one mistake touches several places.
    also: tuple[tuple[str, str], ...] = ()

    def edits(self) -> list[tuple[str, str]]:
        return [(self.old, self.new), *self.also]


def Mutant(name: str, old: str, new: str, *, expect, file: str | None = None, also=()) -> Patch:
    """A realistic mistake: must be caught, with a message containing one ``expect`` phrase."""
    expect = (expect,) if isinstance(expect, str) else tuple(expect)
    if not expect:
        raise ValueError(f"mutant {name!r} needs at least one expected message phrase")
    return Patch(name, old, new, file, expect, tuple(also))


def Variant(name: str, old: str, new: str, *, file: str | None = None, also=()) -> Patch:
    """A correct alternative implementation: must get full marks."""
    return Patch(name, old, new, file, (), tuple(also))


def load(lab: str):
    """The zoo module of ``lab`` (``MUTANTS``, ``VARIANTS``)."""
    return importlib.import_module(f"{__name__}.{lab_key(lab)}")
