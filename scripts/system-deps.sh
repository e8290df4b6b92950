#!/usr/bin/env bash
# Install the Debian packages the course needs, when missing: TeX for the report, bubblewrap
# for sandboxed grading, graphviz for Lab 05's graphs, Fashion-MNIST for offline training,
# poppler-utils to inspect the PDF, PostgreSQL for the gradebook test. Idempotent and quiet when everything is there.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have latexmk || need+=(latexmk)
have pdflatex || need+=(texlive-latex-recommended texlive-fonts-recommended)
kpsewhich cleveref.sty >/dev/null 2>&1 || need+=(texlive-latex-extra)
have pdfinfo || need+=(poppler-utils)
have bwrap || need+=(bubblewrap)
{ have setpriv && have prlimit; } || need+=(util-linux)   # the sandbox drops privileges and caps resources
have dot || need+=(graphviz)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)  # tests/test_postgres.py
[ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] || need+=(dataset-fashion-mnist)
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
