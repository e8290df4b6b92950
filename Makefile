# Course repository: the two commands a newcomer needs are `make grade` and `make test`.
# Every target creates the virtualenv (.venv) and installs the project on first use.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
JOBS   ?=
SUBMISSIONS ?=
LABS   ?=
SCHEDULER ?=
PYTEST_ARGS ?=
# pytest-xdist workers for `make test`: one per core plus one. Whole files go to one worker,
# each lab's zoo to its own (--dist loadgroup, tests/conftest.py), so a module's expensive fixture
# (a graded class) is built once. The extra worker fills the time the others spend waiting (kernel
# start-up, formgrader, dask, pip, TeX): the clean-clone CI runs used 1.4 of 2 cores with two.
# --durations: the slowest tests are printed, so every run says where its time went.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

.DEFAULT_GOAL := help
.PHONY: help venv sysdeps grading-deps test lint grade release mutants report report-template figures quotes \
        bench bench-grade \
        student-bundle adversarial data clean distclean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t18

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(STAMP)  ## create .venv and install the project (done automatically)

sysdeps:  ## install missing Debian packages (TeX, bubblewrap, graphviz, Fashion-MNIST)
	@bash scripts/system-deps.sh

test: $(STAMP) sysdeps lint  ## run the whole test suite (what CI runs): lint, type check, pytest
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder --durations=15 $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff over the code, mypy over the grading core
	$(PY) -m ruff check autograder nnlab benchmarks tests
	$(PY) -m mypy

grading-deps:
	@bash scripts/system-deps.sh grading

grade: $(STAMP) grading-deps  ## grade the sample class (or SUBMISSIONS=path) into build/grades.csv
	$(PY) -m autograder grade $(if $(SUBMISSIONS),--submissions $(SUBMISSIONS)) \
	    $(if $(JOBS),--jobs $(JOBS)) $(if $(LABS),--labs $(LABS)) $(if $(SCHEDULER),--scheduler $(SCHEDULER))

release: $(STAMP)  ## regenerate the student release labs/ from solutions/
	$(PY) -m autograder release $(LABS)

mutants: $(STAMP) grading-deps  ## every bug-zoo mutant caught, every correct variant at full marks
	$(PY) -m autograder mutants $(LABS)

report: $(STAMP) sysdeps  ## run the notebooks the report needs (cached), check quotes, build report/build/report.pdf
	$(PY) -m autograder.figures
	$(PY) -m autograder.quotes
	$(MAKE) -C report complete PYTHON=$(abspath $(PY))

report-template: $(STAMP) sysdeps  ## the students' report template (placeholders): build/report-template/build/report.pdf
	$(PY) -m autograder.bundle --report-template build/report-template
	$(MAKE) -C build/report-template check PYTHON=$(abspath $(PY))

figures: $(STAMP)  ## run the solution notebooks whose inputs changed (FORCE=1: all) for the report
	$(PY) -m autograder.figures $(LABS) $(if $(FORCE),--force)

quotes: $(STAMP)  ## numbers quoted in model answers and the report = the results the notebooks saved
	$(PY) -m autograder.quotes $(LABS)

bench: $(STAMP)  ## NumPy vs PyTorch for Labs 02 and 07 (print figures; not tests)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) benchmarks/bench_lab02_torch.py
	$(PY) benchmarks/bench_notebooks.py
	$(PY) benchmarks/bench_lab07_torch.py

bench-grade: $(STAMP) sysdeps  ## grading throughput: plain nbgrader vs the pipeline; sandbox overhead
	$(PY) benchmarks/bench_grading.py
	$(PY) benchmarks/bench_sandbox.py
	$(PY) benchmarks/bench_dashboard.py
	$(PY) benchmarks/bench_stability.py

adversarial: $(STAMP) sysdeps  ## grade the adversarial class in the sandbox (hostile/broken submissions)
	$(PY) -m autograder.adversarial $(if $(JOBS),--jobs $(JOBS))

student-bundle: $(STAMP)  ## build/student-bundle: what students receive
	$(PY) -m autograder.bundle

data: $(STAMP)  ## download and verify MNIST and Fashion-MNIST into data/ (what data tests and grading use)
	$(PY) data/download.py --kind mnist
	$(PY) data/download.py --kind fashion

clean:  ## remove build outputs
	rm -rf build report/build

distclean: clean  ## also remove the virtualenv
	rm -rf $(VENV)
