"""Where things live in the course repository (instructor side)."""
from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(os.environ.get("NNLAB_COURSE_ROOT", Path(__file__).resolve().parents[1]))
SOLUTIONS = ROOT / "solutions"
LABS = ROOT / "labs"
BUILD = ROOT / "build"
SAMPLE_CLASS = BUILD / "sample-class"

LAB_ID = re.compile(r"^lab(\d\d)-[a-z0-9-]+$")


def lab_ids() -> list[str]:
    """Every lab with a source notebook, in course order (lab01-..., lab02-..., ...)."""
    found = [p.name for p in SOLUTIONS.iterdir()
             if p.is_dir() and LAB_ID.match(p.name) and (p / f"{p.name}.ipynb").exists()]
    return sorted(found)


def lab_key(lab: str) -> str:
    """``lab02-ffnn-mnist`` -> ``lab02``: the name of its checks and zoo modules."""
    m = LAB_ID.match(lab)
    if not m:
        raise ValueError(f"not a lab id: {lab!r} (expected labNN-name)")
    return f"lab{m.group(1)}"


def source_notebook(lab: str) -> Path:
    return SOLUTIONS / lab / f"{lab}.ipynb"
