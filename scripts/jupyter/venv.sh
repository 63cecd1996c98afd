#!/usr/bin/env bash
# Creates (once) the Python environment the Jupyter kernel tests use: .build/jupyter-venv
# with the pinned client libraries of scripts/jupyter/requirements.txt. Reused while the
# requirements file is unchanged. Prints the environment's python on success; on failure
# exits non-zero with pip's reason (the tests then fail, they never skip).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv="$root/.build/jupyter-venv"
requirements="$root/scripts/jupyter/requirements.txt"
stamp="$venv/.rslab-requirements"
if [[ -x "$venv/bin/python" && -f "$stamp" ]] && cmp -s "$requirements" "$stamp"; then
  echo "$venv/bin/python"
  exit 0
fi
mkdir -p "$root/.build"
log="$root/.build/jupyter-venv.log"
if ! python3 -m venv "$venv" >"$log" 2>&1; then
  cat "$log" >&2
  echo "jupyter-venv: python3 -m venv failed (is python3-venv installed? scripts/setup.sh installs it)" >&2
  exit 1
fi
if ! "$venv/bin/pip" install --disable-pip-version-check -q -r "$requirements" >>"$log" 2>&1; then
  tail -30 "$log" >&2
  echo "jupyter-venv: pip could not install $requirements from PyPI (log: $log)" >&2
  exit 1
fi
cp "$requirements" "$stamp"
echo "$venv/bin/python"
