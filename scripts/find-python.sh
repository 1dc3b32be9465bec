#!/usr/bin/env bash
# Print the path of a Python >= 3.12 interpreter, or explain how to get one and exit 1.
# Looks at $PYTHON, then python3.12/3.13/3.14/python3 on PATH, then pyenv's versions.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for name in python3.12 python3.13 python3.14 python3; do
  command -v "$name" >/dev/null 2>&1 && candidates+=("$(command -v "$name")")
done
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
for dir in $(ls -d "$pyenv_root"/versions/3.* 2>/dev/null | sort -V); do
  candidates+=("$dir/bin/python")
done
for py in "${candidates[@]}"; do
  if [ -x "$py" ] && ok "$py"; then echo "$py"; exit 0; fi
done
echo "referral-sim needs Python >= 3.12 (Mesa 3.5 requires it) and none was found." >&2
echo "Looked at: \$PYTHON, python3.12/3.13/3.14/python3 on PATH, $pyenv_root/versions/3.*." >&2
echo "Install one (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12." >&2
exit 1
