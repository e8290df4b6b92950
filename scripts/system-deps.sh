#!/usr/bin/env bash
# Install the Debian packages the course needs, when missing: TeX for the report, bubblewrap and
# util-linux (setpriv, prlimit) for sandboxed grading, graphviz for Lab 05's graphs, Fashion-MNIST
# for offline training, poppler-utils to inspect the PDF, PostgreSQL for the gradebook test,
# Chromium and its WebDriver for the dashboard's browser test (Debian's builds, never downloaded ones).
# Idempotent and quiet when everything is there.
# `system-deps.sh grading` checks only what grading needs (the sandbox); it also installs
# Fashion-MNIST when it can (as root), so Labs 02 and 06 have a data set while grading offline
# (without it grading still runs: autograder/grading_data.py fetches or says what is missing).
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have bwrap || need+=(bubblewrap)
{ have setpriv && have prlimit; } || need+=(util-linux)
fashion=/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz
if [ "${1:-all}" = grading ] && [ ! -f $fashion ] && [ "$(id -u)" -eq 0 ] && have apt-get; then
  # Best effort: grading does not depend on it.
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends dataset-fashion-mnist >/dev/null \
      && echo "installed: dataset-fashion-mnist"; } \
    || echo "could not install dataset-fashion-mnist; grading goes on without it" >&2
fi
if [ "${1:-all}" != grading ]; then
  have latexmk || need+=(latexmk)
  have pdflatex || need+=(texlive-latex-recommended texlive-fonts-recommended)
  kpsewhich cleveref.sty >/dev/null 2>&1 || need+=(texlive-latex-extra)
  have pdfinfo || need+=(poppler-utils)
  have dot || need+=(graphviz)
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
  have chromium || need+=(chromium)
  have chromedriver || need+=(chromium-driver)
  [ -f $fashion ] || need+=(dataset-fashion-mnist)
fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "system packages missing: ${need[*]}"
if [ "$(id -u)" -eq 0 ] && have apt-get; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  echo "installed: ${need[*]}"
else
  echo "install them with: sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
  exit 1
fi
