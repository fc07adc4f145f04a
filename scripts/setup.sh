#!/usr/bin/env bash
# Builds .venv with a Python 3.10 and installs the project with pinned versions.
# Idempotent: re-installs only when pyproject.toml or constraints.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${QN_VENV:-.venv}
STAMP="$VENV/.installed"
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)

if [ -x "$VENV/bin/python" ] && ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then
  echo "setup: $VENV is not Python 3.10; rebuilding it"; rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
  PY=$(scripts/find-python.sh)
  echo "setup: creating $VENV with $PY"
  "$PY" -m venv "$VENV"
fi
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing dependencies (first time: about a minute)"
  # uv installs the same pinned set as pip (same `pip freeze`) in 19 s from its cache and 51 s from PyPI,
  # against pip's 2-3 minutes: most of make test's set-up on a fresh clone.
  "$VENV/bin/python" -m pip install --quiet "uv==0.13.9"
  "$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" -c constraints.txt -e ".[dev]"
  echo "$want" > "$STAMP"
else
  echo "setup: dependencies up to date"
fi
# Bytecode ahead of time. Where PYTHONDONTWRITEBYTECODE is set (it is on this project's CI machines) Python never
# writes .pyc files, so every process compiled Rasa's and TensorFlow's 5,000 modules from source again: importing
# Rasa's agent and DIET took 22.5 s of CPU, 8.5 s with the bytecode written here (about a minute, once per install).
# Python reads .pyc files whatever that variable says.
if [ "$(cat "$VENV/.compiled" 2>/dev/null)" != "$want" ]; then
  echo "setup: compiling the installed packages to bytecode (once per install: about a minute)"
  site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  # A few packages ship files for other Python versions that do not compile; they are never imported.
  "$VENV/bin/python" -m compileall -q -j 0 "$site" >/dev/null 2>&1 || true
  echo "$want" > "$VENV/.compiled"
fi
