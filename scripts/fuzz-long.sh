#!/usr/bin/env bash
# `make fuzz-long`: random fuzzing, kept out of `make test` so that stays
# deterministic. Runs each libFuzzer target (built by `make fuzz`) for a while
# from its corpus in tests/fuzz/corpus/, then merges the inputs that reach new
# coverage into that corpus (-merge=1), ready to commit. A crash stops with the
# input's path; add it to the corpus once fixed, so `make test` replays it.
# FUZZ_SECONDS overrides every target's time; FUZZ_TARGETS="fuzz_json ..." picks targets.
set -uo pipefail
cd "$(dirname "$0")/.."

# Seconds per target: the extraction engine and the result-page parsers get longer.
fuzz_time() {
  if [ -n "${FUZZ_SECONDS:-}" ]; then echo "$FUZZ_SECONDS"; return; fi
  case "$1" in
    fuzz_extract) echo 300 ;;
    fuzz_serp*|fuzz_google*|fuzz_bing*) echo 120 ;;
    *) echo 60 ;;
  esac
}

targets=${FUZZ_TARGETS:-$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c; done)}
pass=0
fail=0
for n in $targets; do
  bin=build/libfuzzer/$n corpus=tests/fuzz/corpus/${n#fuzz_} seconds=$(fuzz_time "$n")
  work=$(mktemp -d /tmp/leadgen-fuzz-XXXXXX)
  mkdir -p "$corpus"
  echo "== $n: ${seconds}s"
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$work/crash-" "$work" "$corpus" >"$work.log" 2>&1; then
    before=$(ls "$corpus" | wc -l)
    "$bin" -merge=1 "$corpus" "$work" >>"$work.log" 2>&1
    echo "   corpus $corpus: $before -> $(ls "$corpus" | wc -l) inputs"
    pass=$((pass + 1))
    rm -rf "$work" "$work.log"
  else
    tail -40 "$work.log"
    echo "   FAIL $n: crash input(s): $(ls "$work"/crash-* 2>/dev/null | tr '\n' ' ')(log $work.log)"
    fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
