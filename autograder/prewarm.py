"""Imported by each Dask worker's fork server (``scale._fork_context``): import the grading
stack and render one throw-away feedback page there, so every unit it forks starts warm."""
from .worker import preload

preload()
