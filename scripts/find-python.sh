#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 supports 3.8-3.10; we standardise on 3.10).
# Order: $PYTHON, python3.10 on PATH, pyenv's installed 3.10.x. Exits 1 with advice if none is found.
set -u
is_310() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }

if [ -n "${PYTHON:-}" ]; then
  if is_310 "$PYTHON"; then command -v "$PYTHON" || echo "$PYTHON"; exit 0; fi
  echo "PYTHON=$PYTHON is not a working Python 3.10" >&2; exit 1
fi
if is_310 python3.10; then
  # A pyenv shim may exist without 3.10 being active: ask the interpreter for its real path.
  python3.10 -c 'import sys; print(sys.executable)'; exit 0
fi
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for candidate in $(ls -d "$root"/versions/3.10* 2>/dev/null | sort -V -r); do
    if is_310 "$candidate/bin/python"; then echo "$candidate/bin/python"; exit 0; fi
  done
fi
cat >&2 <<'MSG'
No Python 3.10 found. Rasa 3.6 needs Python 3.8-3.10 and this project uses 3.10.
Install one (e.g. `pyenv install 3.10.13`, or your OS package python3.10) or set PYTHON=/path/to/python3.10.
MSG
exit 1
