#!/usr/bin/env bash
# Builds rslab-bench in release mode and runs it; extra arguments go to the benchmark
# (e.g. --quick, --threads 1, or a section: step conv infer overhead wrn guard).
#
# The peers (scripts/bench/torch_peers.py: PyTorch eager and torch.compile steps, the whole
# torchvision run, the CPython loop) run in the same process run, right after the rslab figure
# they are compared with, so each ratio is measured under one machine load. PyTorch comes from
# PyPI into a cached venv ($RSLAB_TORCH_VENV, default /tmp/rslab-torch: torch, torchvision,
# numpy), created on first use; if that fails the table is printed without the PyTorch peers.
# RSLAB_NO_TORCH=1 skips them. torch.compile needs a C++ compiler (gcc). Every row runs by
# default (about 15-20 minutes); name sections to run fewer (step conv wrn run research loop
# infer overhead).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/opt/swift/usr/bin"
# The same flags as the Makefile (make test), so switching between the two does not rebuild.
swift build -c release -Xswiftc -enable-testing --product rslab-bench

venv="${RSLAB_TORCH_VENV:-/tmp/rslab-torch}"
torch=()
if [[ -z "${RSLAB_NO_TORCH:-}" ]]; then
  if ! "$venv/bin/python" -c 'import torch, torchvision' 2>/dev/null; then
    echo "installing PyTorch (CPU) and torchvision into $venv (once; large download from PyPI)..."
    if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q torch torchvision numpy; }; then
      echo "PyTorch could not be installed: the table omits the PyTorch peers."
    fi
  fi
  if "$venv/bin/python" -c 'import torch' 2>/dev/null; then
    torch=(--torch "$venv/bin/python")
  fi
fi
cpython=()
if py="$(command -v python3.11 || command -v python3)"; then cpython=(--cpython "$py"); fi
.build/release/rslab-bench --threads 2 "${torch[@]}" "${cpython[@]}" "$@"
