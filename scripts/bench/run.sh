#!/usr/bin/env bash
# Builds rslab-bench in release mode and runs it; extra arguments go to the benchmark
# (e.g. --quick, --threads 1, or a section: step conv infer overhead wrn guard).
#
# The PyTorch reference (/work/shared/bench/torch_fixmatch_step.py, at ../shared/bench from
# the repository) runs in the same process run, so the rslab/PyTorch ratio is measured under
# one machine load. It needs torch from PyPI in a cached venv ($RSLAB_TORCH_VENV, default
# /tmp/rslab-torch), created on first use; if that fails the table is printed without it.
# RSLAB_NO_TORCH=1 skips it.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/opt/swift/usr/bin"
# The same flags as the Makefile (make test), so switching between the two does not rebuild.
swift build -c release -Xswiftc -enable-testing --product rslab-bench

venv="${RSLAB_TORCH_VENV:-/tmp/rslab-torch}"
script="${RSLAB_TORCH_SCRIPT:-$PWD/../shared/bench/torch_fixmatch_step.py}"
torch=()
if [[ -z "${RSLAB_NO_TORCH:-}" && -f "$script" ]]; then
  if ! "$venv/bin/python" -c 'import torch' 2>/dev/null; then
    echo "installing PyTorch (CPU) into $venv (once; large download from PyPI)..."
    if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q torch numpy; }; then
      echo "PyTorch could not be installed: the table omits the PyTorch comparison."
    fi
  fi
  if "$venv/bin/python" -c 'import torch' 2>/dev/null; then
    export RSLAB_TORCH_SCRIPT="$script"
    torch=(--torch "$venv/bin/python")
  fi
elif [[ ! -f "$script" ]]; then
  echo "no PyTorch reference script at $script: the table omits the PyTorch comparison."
fi
.build/release/rslab-bench --threads 2 "${torch[@]}" "$@"
