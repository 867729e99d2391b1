#!/usr/bin/env bash
# Runs every suite: unit tests and fuzz-corpus replays (release and
# ASan+UBSan builds), then the end-to-end tests against the real binary
# (release, then the sanitizer build). Ends with one "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."

JOBS=$(nproc 2>/dev/null || echo 2)
total_pass=0
total_fail=0
failed_suites=()

# Runs a suite, echoes its output, and adds the counts from its closing line.
suite() {
  local name=$1; shift
  echo "== $name"
  local out
  out=$("$@" 2>&1)
  local status=$?
  echo "$out" | grep -v '^ok ' || true
  local line
  line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
  if [ -z "$line" ]; then
    echo "   (no result line; counted as one failure, exit $status)"
    total_fail=$((total_fail + 1)); failed_suites+=("$name"); return
  fi
  local p f
  p=$(echo "$line" | awk '{print $1}'); f=$(echo "$line" | awk '{print $3}')
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
  if [ "$f" -ne 0 ] || [ $status -ne 0 ]; then
    failed_suites+=("$name")
    [ "$f" -eq 0 ] && total_fail=$((total_fail + 1))
  fi
}

echo "== build"
if ! make -s -j"$JOBS" all unit >/tmp/leadgen-build.log 2>&1; then
  cat /tmp/leadgen-build.log; echo "0 passed, 1 failed"; exit 1
fi
if ! make -s -j"$JOBS" asan >/tmp/leadgen-build-asan.log 2>&1; then
  cat /tmp/leadgen-build-asan.log; echo "0 passed, 1 failed"; exit 1
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

suite "unit (release)" build/unit_tests
suite "unit (asan+ubsan)" build/asan/unit_tests
for src in tests/fuzz/fuzz_*.c; do
  [ -e "$src" ] || continue
  n=$(basename "$src" .c); corpus=tests/fuzz/corpus/${n#fuzz_}
  suite "fuzz corpus $n (asan+ubsan)" build/asan/fuzz/"$n" "$corpus"
done
# Short libFuzzer runs (clang): 60 s for the extraction engine, 30 s for each
# result-page parser (their issues ask for it), 10 s for the other targets.
fuzz_time() {
  case "$1" in
    fuzz_extract) echo 60 ;;
    fuzz_serp*|fuzz_google*|fuzz_bing*) echo 30 ;;
    *) echo 10 ;;
  esac
}
fuzz_run() {
  local bin=$1 corpus=$2 seconds=$3 work
  work=$(mktemp -d /tmp/leadgen-fuzz-XXXXXX)
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
       -artifact_prefix="$work/crash-" "$work" >"$work.log" 2>&1; then
    echo "1 passed, 0 failed"
  else
    tail -40 "$work.log"; ls "$work"/crash-* 2>/dev/null; echo "0 passed, 1 failed"
  fi
  rm -rf "$work" "$work.log"
}
if command -v clang >/dev/null && make -s fuzz >/tmp/leadgen-build-fuzz.log 2>&1; then
  for src in tests/fuzz/fuzz_*.c; do
    n=$(basename "$src" .c)
    suite "libFuzzer $n ($(fuzz_time "$n") s)" fuzz_run build/libfuzzer/"$n" tests/fuzz/corpus/${n#fuzz_} "$(fuzz_time "$n")"
  done
else
  echo "== libFuzzer builds failed or clang is missing:"; tail -20 /tmp/leadgen-build-fuzz.log
  total_fail=$((total_fail + 1)); failed_suites+=("libFuzzer build")
fi

suite "e2e (release binary)" python3 tests/e2e/run.py --bin build/leadgen
suite "e2e (asan+ubsan binary)" python3 tests/e2e/run.py --bin build/asan/leadgen

# ---- PostgreSQL: the unit and e2e suites again, on a throw-away cluster ----
# (scripts/pg-cluster.sh: initdb as an unprivileged user on a free loopback
# port; removed on exit). Every store gets a fresh schema of its own.
pg_dir=$(mktemp -d /tmp/leadgen-pg-XXXXXX)
trap 'scripts/pg-cluster.sh stop "$pg_dir"' EXIT
if pg_url=$(scripts/pg-cluster.sh start "$pg_dir"); then
  LEADGEN_TEST_STORE="$pg_url?options=-csearch_path%3Dunit_{n}" \
    suite "unit (release, postgres)" build/unit_tests
  LEADGEN_E2E_DB="$pg_url?options=-csearch_path%3De2e_{n}" \
    suite "e2e (release binary, postgres)" python3 tests/e2e/run.py --bin build/leadgen
else
  echo "== postgres: the throw-away cluster did not start"
  total_fail=$((total_fail + 1)); failed_suites+=("postgres cluster")
fi
scripts/pg-cluster.sh stop "$pg_dir"; trap - EXIT
# ---- end PostgreSQL ----

echo
[ ${#failed_suites[@]} -gt 0 ] && echo "failed suites: ${failed_suites[*]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
