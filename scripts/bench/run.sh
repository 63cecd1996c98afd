#!/usr/bin/env bash
# Builds rslab-bench in release mode and runs it; extra arguments go to the benchmark
# (e.g. --quick, --threads 1).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/opt/swift/usr/bin"
swift build -c release --product rslab-bench
.build/release/rslab-bench "$@"
