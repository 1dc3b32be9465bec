#!/usr/bin/env bash
# Install what the dashboard's browser test and the notebook tests need, quietly and only
# what is missing: Debian's chromium (Playwright cannot download browsers here) and the
# package's viz, browser and notebooks extras into the given Python's environment.
#   scripts/ci-browser-setup.sh [PYTHON]     # default: .venv/bin/python
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${1:-.venv/bin/python}"
[ -x "$PY" ] || [ -n "${1:-}" ] || make -s setup   # the default .venv comes from the Makefile

if [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
fi

# Reinstall only when an extra is missing or the offline-asset pins (pyproject's viz) differ.
check='
import importlib.metadata as m
import playwright, nbclient, ipykernel, mesa.visualization, sim.dashboard.serve
assert m.version("solara") == "1.64.1" and m.version("solara-assets") == "1.58.2"
'
if ! "$PY" -c "$check" 2>/dev/null; then
  "$PY" -m pip install -qq --disable-pip-version-check -e '.[test,viz,browser,notebooks]'
fi
