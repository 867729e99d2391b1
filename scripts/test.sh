#!/usr/bin/env bash
# Runs every suite, deterministically: unit tests and fuzz-corpus replays
# (release and ASan+UBSan builds), then the end-to-end tests against the real
# binary (release, then the sanitizer build), E2E_JOBS modules at a time.
# Ends with one "N passed, N failed" line. Random fuzzing is `make fuzz-long`.
# WERROR=1 (CI) turns compiler warnings into errors.
set -uo pipefail
cd "$(dirname "$0")/.."

JOBS=$(nproc 2>/dev/null || echo 2)
# e2e modules mostly wait on servers and fakes, so more run at once than there are cores
E2E_JOBS=${E2E_JOBS:-4}
WERROR=${WERROR:-0}
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

echo "== build (WERROR=$WERROR)"
# one make for both builds, so the release and sanitizer compiles share the cores
build_log=$(mktemp /tmp/leadgen-build-XXXXXX.log)
if ! make -s -j"$JOBS" WERROR="$WERROR" all unit asan >"$build_log" 2>&1; then
  grep -v '^  CC ' "$build_log"; rm -f "$build_log"; echo "0 passed, 1 failed"; exit 1
fi
rm -f "$build_log"
echo "   built in ${SECONDS}s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

suite "unit (release)" build/unit_tests
suite "unit (asan+ubsan)" build/asan/unit_tests
for src in tests/fuzz/fuzz_*.c; do
  [ -e "$src" ] || continue
  n=$(basename "$src" .c); corpus=tests/fuzz/corpus/${n#fuzz_}
  suite "fuzz corpus $n (asan+ubsan)" build/asan/fuzz/"$n" "$corpus"
done
suite "e2e (release binary)" python3 tests/e2e/run.py -j "$E2E_JOBS" --bin build/leadgen
suite "e2e (asan+ubsan binary)" python3 tests/e2e/run.py -j "$E2E_JOBS" --bin build/asan/leadgen

# ---- PostgreSQL: the unit and e2e suites again, on a throw-away cluster ----
# (scripts/pg-cluster.sh: initdb as an unprivileged user on a free loopback
# port; removed on exit). Every store gets a fresh schema of its own.
pg_dir=$(mktemp -d /tmp/leadgen-pg-XXXXXX)
trap 'scripts/pg-cluster.sh stop "$pg_dir"' EXIT
if pg_url=$(scripts/pg-cluster.sh start "$pg_dir"); then
  LEADGEN_TEST_STORE="$pg_url?options=-csearch_path%3Dunit_{n}" \
    suite "unit (release, postgres)" build/unit_tests
  LEADGEN_E2E_DB="$pg_url?options=-csearch_path%3De2e_{n}" \
    suite "e2e (release binary, postgres)" python3 tests/e2e/run.py -j "$E2E_JOBS" --bin build/leadgen
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
