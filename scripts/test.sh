#!/usr/bin/env bash
# Runs every suite, deterministically: unit tests and fuzz-corpus replays
# (release and ASan+UBSan builds, the unit suite again on PostgreSQL), and the
# end-to-end tests against the real binary (release, ASan+UBSan, and release on
# PostgreSQL). Ends with one "N passed, N failed" line. Random fuzzing is
# `make fuzz-long`. WERROR=1 (CI) turns compiler warnings into errors.
#
# After the build everything runs side by side: the suites mostly wait on
# servers, fakes and timeouts (one at a time they kept two cores 40% busy), so
# the unit suites run in the background while the e2e modules of all three
# configurations share one pool of E2E_JOBS processes.
set -uo pipefail
cd "$(dirname "$0")/.."

JOBS=$(nproc 2>/dev/null || echo 2)
# e2e modules mostly wait on servers and fakes, so more run at once than there are cores
E2E_JOBS=${E2E_JOBS:-6}
WERROR=${WERROR:-0}
total_pass=0
total_fail=0
failed_suites=()

# Echoes a finished suite's output (less its "ok" lines) and adds the counts from
# its closing line; a suite without one, or that exited non-zero, counts as failed.
count() {
  local name=$1 out=$2 status=$3
  echo "== $name"
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
  if [ "$f" -ne 0 ] || [ "$status" -ne 0 ]; then
    failed_suites+=("$name")
    [ "$f" -eq 0 ] && total_fail=$((total_fail + 1))
  fi
}

# Starts a suite in the background, its output kept for count() once it ends.
bg_names=(); bg_files=()
background() {
  local name=$1; shift
  local file
  file=$(mktemp "$work/suite-XXXXXX")
  ( "$@" >"$file" 2>&1; echo $? >"$file.rc" ) &
  bg_names+=("$name"); bg_files+=("$file")
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

work=$(mktemp -d /tmp/leadgen-test-XXXXXX)
# PostgreSQL: a throw-away cluster (scripts/pg-cluster.sh: initdb as an
# unprivileged user on a free loopback port; removed on exit). Every store gets
# a fresh schema of its own.
pg_dir=$(mktemp -d /tmp/leadgen-pg-XXXXXX)
trap 'scripts/pg-cluster.sh stop "$pg_dir"; rm -rf "$work"' EXIT
pg_url=$(scripts/pg-cluster.sh start "$pg_dir") || pg_url=""

background "unit (release)" build/unit_tests
background "unit (asan+ubsan)" build/asan/unit_tests
for src in tests/fuzz/fuzz_*.c; do
  [ -e "$src" ] || continue
  n=$(basename "$src" .c); corpus=tests/fuzz/corpus/${n#fuzz_}
  background "fuzz corpus $n (asan+ubsan)" build/asan/fuzz/"$n" "$corpus"
done
runs=(--run release=build/leadgen --run asan+ubsan=build/asan/leadgen)
if [ -n "$pg_url" ]; then
  LEADGEN_TEST_STORE="$pg_url?options=-csearch_path%3Dunit_{n}" \
    background "unit (release, postgres)" build/unit_tests
  runs+=(--run "postgres=build/leadgen@$pg_url?options=-csearch_path%3De2e_{n}")
fi

e2e_out=$(python3 tests/e2e/run.py -j "$E2E_JOBS" "${runs[@]}" 2>&1)
e2e_status=$?
echo "$e2e_out" >build/e2e.log # every test's line and time, for a run that went wrong
wait
for i in "${!bg_names[@]}"; do
  count "${bg_names[$i]}" "$(cat "${bg_files[$i]}")" "$(cat "${bg_files[$i]}.rc")"
done
count "e2e (release, asan+ubsan${pg_url:+, postgres})" "$e2e_out" "$e2e_status"
if [ -z "$pg_url" ]; then
  echo "== postgres: the throw-away cluster did not start"
  total_fail=$((total_fail + 1)); failed_suites+=("postgres cluster")
fi

echo
echo "   all suites took ${SECONDS}s"
[ ${#failed_suites[@]} -gt 0 ] && echo "failed suites: ${failed_suites[*]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
