#!/usr/bin/env bash
# Cached Lead Search over HTTP (`make bench-search`): one leadgen on a fresh
# store and a fake Google (tests/e2e/fakes/engines.py) on loopback; one search
# fills the 7-day cache, then wrk measures the cached search.php against the
# foundation's throughput target, nginx (2 workers) serving the same bytes as
# a static file, and against projects.php, in alternating runs.
# Bounded: wrk -d, `timeout` on every process. Knobs: LEADGEN_BIN (default
# build/leadgen), BENCH_DURATION (seconds per wrk run, 5), BENCH_ROUNDS (2),
# BENCH_CONNECTIONS (64).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$(realpath "${LEADGEN_BIN:-build/leadgen}")
DURATION=${BENCH_DURATION:-5}
ROUNDS=${BENCH_ROUNDS:-2}
CONNS=${BENCH_CONNECTIONS:-64}
command -v wrk >/dev/null || { echo "bench-search: wrk is missing (LEADGEN_SETUP_BENCH=1 scripts/setup.sh)" >&2; exit 1; }
for v in $(compgen -e); do case $v in LEADGEN_*) unset "$v" ;; esac; done

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# The fake engine: 10 results with emails for "plumber brooklyn".
timeout 600 python3 -B - "$WORK/engine-url" <<'EOF' &
import sys, time
sys.path.insert(0, "tests/e2e")
from fakes.engines import Engines, result
e = Engines().__enter__()
e.set_results("plumber brooklyn",
              [result(i, email="office%d@plumber-%d.com" % (i, i)) for i in range(1, 11)])
open(sys.argv[1], "w").write(e.url)
time.sleep(600)
EOF
PIDS+=($!)
for _ in $(seq 50); do [ -s "$WORK/engine-url" ] && break; sleep 0.1; done
ENGINE=$(cat "$WORK/engine-url")

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LEADGEN_DB="$WORK/leadgen.db" LEADGEN_LISTEN="127.0.0.1:$PORT" LEADGEN_ACCESS_LOG=0 \
  LEADGEN_GOOGLE_SEARCH_URL="$ENGINE/google/search" \
  timeout 600 "$BIN" serve >"$WORK/stdout" 2>"$WORK/stderr" &
SERVER=$!
PIDS+=($SERVER)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
KEY=$(grep -v ' ' "$WORK/stdout" | tail -1)
BASE="http://127.0.0.1:$PORT/api/v1"
SEARCH="$BASE/search.php?api_key=$KEY&query=plumber+brooklyn"
first=$(curl -sf "$SEARCH")
echo "$first" | grep -q '"credits_used":10' || { echo "bench-search: first search failed: $first" >&2; exit 1; }
echo "cached body: $(curl -sf "$SEARCH" | wc -c) bytes, $(curl -sf "$SEARCH" | head -c 45)..."

run() { # name url
    local out
    out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$2")
    if ! kill -0 "$SERVER" 2>/dev/null; then
        echo "bench-search: leadgen stopped; stderr tail:" >&2; tail -20 "$WORK/stderr" >&2; exit 1
    fi
    printf '%-22s %10s req/s   p50 %8s   p99 %8s\n' "$1" \
      "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
      "$(echo "$out" | awk '$1 == "50%" {print $2}')" "$(echo "$out" | awk '$1 == "99%" {print $2}')"
}
# nginx with the cached answer's exact bytes as a static file (like bench/run.sh)
NG=$WORK/nginx
NG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$NG/html/api/v1" "$NG/tmp" "$NG/logs"
curl -sf "$SEARCH" >"$NG/html/api/v1/search.php"
chmod -R a+rX "$NG"
cat >"$NG/nginx.conf" <<NGINX
user $(id -un);
worker_processes 2;
daemon off;
pid $NG/nginx.pid;
error_log $NG/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off; sendfile on; tcp_nopush on; tcp_nodelay on;
    keepalive_timeout 65; keepalive_requests 1000000;
    client_body_temp_path $NG/tmp/body; proxy_temp_path $NG/tmp/proxy;
    fastcgi_temp_path $NG/tmp/fastcgi; uwsgi_temp_path $NG/tmp/uwsgi; scgi_temp_path $NG/tmp/scgi;
    types { } default_type "application/json; charset=utf-8";
    server { listen 127.0.0.1:$NG_PORT; root $NG/html; location / { try_files \$uri =404; } }
}
NGINX
NGINX_URL=""
if command -v nginx >/dev/null; then
    timeout 600 nginx -p "$NG" -c "$NG/nginx.conf" -e "$NG/logs/error.log" &
    PIDS+=($!)
    for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$NG_PORT/api/v1/search.php" && break; sleep 0.1; done
    NGINX_URL="http://127.0.0.1:$NG_PORT/api/v1/search.php?api_key=$KEY&query=plumber+brooklyn"
    cmp -s <(curl -sf "$SEARCH") <(curl -sf "$NGINX_URL") || { echo "bench-search: nginx body differs" >&2; exit 1; }
fi

wrk -t2 -c"$CONNS" -d2s "$SEARCH" >/dev/null  # warm-up
[ -n "$NGINX_URL" ] && wrk -t2 -c"$CONNS" -d2s "$NGINX_URL" >/dev/null
for _ in $(seq "$ROUNDS"); do
    run "search.php (cached)" "$SEARCH"
    [ -n "$NGINX_URL" ] && run "nginx, same bytes" "$NGINX_URL"
    run "projects.php" "$BASE/projects.php?api_key=$KEY"
done
