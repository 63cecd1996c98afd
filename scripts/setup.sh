#!/usr/bin/env bash
# Installs the system packages rslab needs, if any are missing. Idempotent and quick
# when everything is present (one dpkg-query). Exits non-zero with the exact command
# to run when it cannot install by itself.
set -euo pipefail

# munge, slurmctld, slurmd, slurm-client: the single-node Slurm cluster the sweep tests start
# (scripts/slurm-local-cluster.sh); python3 picks its free ports.
# libzmq3-dev, libssl-dev: the Jupyter kernel (ZeroMQ sockets, HMAC-SHA256 signatures); libzmq
# is loaded when a kernel starts, not linked (Sources/CZMQ/shim.h).
# openmpi-bin, libopenmpi-dev: data-parallel training over MPI; libmpi is loaded when an MPI
# run starts, not linked (Sources/CMPI/shim.h).
PACKAGES=(libopenblas-dev libreadline-dev libpng-dev zlib1g-dev dataset-fashion-mnist tmux python3-venv
          munge slurmctld slurmd slurm-client
          libzmq3-dev libssl-dev
          openmpi-bin libopenmpi-dev)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  echo "setup: installing missing system packages: ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/tmp/rslab-setup.log 2>&1; then
      tail -20 /tmp/rslab-setup.log >&2
      echo "setup: could not install the packages. Run as root:  $cmd" >&2
      exit 1
    fi
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo env DEBIAN_FRONTEND=noninteractive sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends ${missing[*]}" \
      || { echo "setup: could not install the packages. Run:  sudo sh -c '$cmd'" >&2; exit 1; }
  else
    echo "setup: missing system packages: ${missing[*]}" >&2
    echo "setup: run as root:  $cmd" >&2
    exit 1
  fi
fi

if ! command -v swift >/dev/null && [[ ! -x /opt/swift/usr/bin/swift ]]; then
  echo "setup: the Swift 6 toolchain is not on PATH nor at /opt/swift/usr/bin (install it from swift.org)" >&2
  exit 1
fi
