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

.DEFAULT_GOAL := help
.PHONY: help venv sysdeps grading-deps test grade release mutants report figures bench bench-grade \
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

test: $(STAMP) sysdeps  ## run the whole test suite (what CI runs)
	$(PY) -m pytest $(PYTEST_ARGS)

grading-deps:
	@bash scripts/system-deps.sh grading

grade: $(STAMP) grading-deps  ## grade the sample class (or SUBMISSIONS=path) into build/grades.csv
	$(PY) -m autograder grade $(if $(SUBMISSIONS),--submissions $(SUBMISSIONS)) \
	    $(if $(JOBS),--jobs $(JOBS)) $(if $(LABS),--labs $(LABS)) $(if $(SCHEDULER),--scheduler $(SCHEDULER))

release: $(STAMP)  ## regenerate the student release labs/ from solutions/
	$(PY) -m autograder release $(LABS)

mutants: $(STAMP) grading-deps  ## every bug-zoo mutant caught, every correct variant at full marks
	$(PY) -m autograder mutants $(LABS)

report: ## build report/build/report.pdf with latexmk
	$(MAKE) -C report

figures: $(STAMP)  ## re-run the solution notebooks to regenerate the report's figures
	$(PY) -m autograder.figures $(LABS)

bench: $(STAMP)  ## NumPy vs PyTorch for Labs 02 and 07 (print figures; not tests)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) benchmarks/bench_lab02_torch.py
	$(PY) benchmarks/bench_lab07_torch.py

bench-grade: $(STAMP) sysdeps  ## grading throughput: plain nbgrader vs the pipeline; sandbox overhead
	$(PY) benchmarks/bench_grading.py
	$(PY) benchmarks/bench_sandbox.py

adversarial: $(STAMP) sysdeps  ## grade the adversarial class in the sandbox (hostile/broken submissions)
	$(PY) -m autograder.adversarial $(if $(JOBS),--jobs $(JOBS))

student-bundle: $(STAMP)  ## build/student-bundle: what students receive
	$(PY) -m autograder.bundle

data: $(STAMP)  ## download and verify MNIST into data/
	$(PY) data/download.py --kind mnist

clean:  ## remove build outputs
	rm -rf build report/build

distclean: clean  ## also remove the virtualenv
	rm -rf $(VENV)
