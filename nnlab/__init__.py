"""nnlab: the helper package students get with the labs.

Datasets (:mod:`nnlab.datasets`, :mod:`nnlab.mnist`), gradient checking
(:mod:`nnlab.gradcheck`), plotting (:mod:`nnlab.plotting`), report output
(:mod:`nnlab.report`) and how the notebook is being run (:mod:`nnlab.runtime`).

Submodules are imported on demand (``from nnlab import datasets, mnist``) so that
``import nnlab`` stays cheap and does not pull in matplotlib or pandas. The package holds
data, checking and output helpers only: nothing in it solves a lab.
"""
__version__ = "0.1.0"
