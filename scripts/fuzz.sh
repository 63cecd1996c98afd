#!/usr/bin/env bash
# Coverage-guided fuzzing of the language (lexer, parser, evaluator) and the file readers.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default: 600 seconds over all targets
#
# Builds FuzzRSL with libFuzzer + AddressSanitizer into .build-fuzz (never part of `make test`),
# splits SECONDS across the targets (rsl gets half, the five readers share the rest), seeds
# each from tutorials/, Tests/Conformance and small valid files made here, and prints the
# executions per second and totals. A crash input is copied to Tests/FuzzCorpus/TARGET/, where
# the normal test suite replays it (FuzzCorpusTests) once the bug is fixed. Exit status 1 if
# any target crashed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
SECONDS_TOTAL=${1:-600}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(rsl idx cifar png npy safetensors)
SCRATCH=.build-fuzz
WORK=$SCRATCH/work

echo "== building FuzzRSL (release, -sanitize=fuzzer,address) into $SCRATCH"
# lld: gold fails with an internal error linking the instrumented objects.
swift build -c release --product FuzzRSL --scratch-path "$SCRATCH" \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld 2>&1 | grep -E "error|Compiling|Build complete" | tail -3
BIN=$SCRATCH/release/FuzzRSL
[ -x "$BIN" ] || { echo "fuzz.sh: build failed"; exit 1; }

# Time per target: rsl half, readers share the other half (at least 10 s each).
n_readers=0
for t in "${TARGETS[@]}"; do [ "$t" != rsl ] && n_readers=$((n_readers + 1)); done
time_for() {
  if [ "$1" = rsl ]; then
    [ $n_readers -eq 0 ] && echo "$SECONDS_TOTAL" || echo $((SECONDS_TOTAL / 2))
  else
    local share=$SECONDS_TOTAL
    for t in "${TARGETS[@]}"; do [ "$t" = rsl ] && share=$((SECONDS_TOTAL / 2)); done
    local s=$((share / n_readers)); [ $s -lt 10 ] && s=10; echo $s
  fi
}

# Seeds: real scripts for rsl; small valid files (made by python3 when present) and the
# saved crash corpus for every target.
seed() {
  local t=$1 dir=$WORK/seeds/$t
  rm -rf "$dir"; mkdir -p "$dir"
  [ -d "Tests/FuzzCorpus/$t" ] && cp Tests/FuzzCorpus/$t/* "$dir"/ 2>/dev/null
  case $t in
    rsl)
      cp tutorials/*.rsl "$dir"/ 2>/dev/null
      # Conformance scripts live in topic folders; flatten their paths into file names.
      find Tests/Conformance -name '*.rsl' | while read -r f; do
        cp "$f" "$dir/$(echo "${f#Tests/Conformance/}" | tr / _)"
      done ;;
    *) python3 scripts/fuzz_seeds.py "$t" "$dir" ;;
  esac
}

export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:handle_abort=1
total_execs=0; total_time=0; crashed=()
printf "\n%-12s %8s %12s %10s %8s %s\n" target seconds execs "execs/s" cov result
for t in "${TARGETS[@]}"; do
  secs=$(time_for "$t")
  seed "$t"
  corpus=$WORK/corpus/$t; artifacts=$WORK/artifacts/$t
  mkdir -p "$corpus" "$artifacts"
  log=$WORK/$t.log
  # Private working folder: scripts may try relative paths.
  (cd "$WORK" && "../release/FuzzRSL" "$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=3072 \
     -max_len=8192 -print_final_stats=1 -artifact_prefix="$PWD/artifacts/$t/" \
     "$PWD/corpus/$t" "$PWD/seeds/$t") > "$log" 2>&1
  status=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  execs=${execs:-0}; rate=${rate:-0}
  result=clean
  if [ $status -ne 0 ]; then
    result="CRASH (exit $status, see $log)"
    crashed+=("$t")
    mkdir -p "Tests/FuzzCorpus/$t"
    for a in "$artifacts"/*; do [ -f "$a" ] && cp "$a" "Tests/FuzzCorpus/$t/"; done
  fi
  total_execs=$((total_execs + execs)); total_time=$((total_time + secs))
  printf "%-12s %8s %12s %10s %8s %s\n" "$t" "$secs" "$execs" "$rate" "${cov:-?}" "$result"
done
rate_all=0; [ $total_time -gt 0 ] && rate_all=$((total_execs / total_time))
printf "%-12s %8s %12s %10s\n" total "$total_time" "$total_execs" "$rate_all"
if [ ${#crashed[@]} -gt 0 ]; then
  echo "crashes in: ${crashed[*]} (inputs copied to Tests/FuzzCorpus/<target>/; fix, then commit them)"
  exit 1
fi
echo "no crashes"
