#!/usr/bin/env bash
# leadgen benchmark suite (`make bench`). Runs, on this machine and on loopback only:
#   http     (issue 2)
#     1. throughput: authenticated GET projects.php on leadgen vs nginx (2 workers)
#        serving the same bytes as a static file, wrk -t2 -c64 --latency, alternating
#        leadgen, nginx, leadgen, nginx; plus one leadgen run with the access log on;
#     2. memory: VmRSS/VmHWM idle after start and with 1,000 idle keep-alive connections;
#     3. bulk leads: POST 500 new leads into a project already holding 1,000,000.
#   extract  (issue 3) extract_page MB/s on one core over >= 20 MB of HTML
#            (bench/extract_bench.c) vs `grep -oE` with an email regex on the same bytes;
#   crawl    (issue 3) `leadgen crawl` of a 15-page site answering after 100 ms, vs
#            Scrapy (python3-scrapy) with an equivalent spider (bench/crawl_bench.py);
#   places   (issue 6) places/search.php, a 20-place page, 300 ms per upstream answer,
#            default concurrency vs LEADGEN_PLACES_PARALLEL=1 (bench/places_bench.py);
#   verify   (issue 7) bench/verify_bench.py, about 2.5 minutes.
# `bench/run.sh` runs them all (about 5 minutes); `bench/run.sh extract crawl` only those.
# Prints summary tables and writes raw results to bench/out/<UTC time>/ (and
# bench/out/latest). Every load is bounded: wrk -d, client deadlines, `timeout`.
#
# Knobs (environment): LEADGEN_BIN (default build/leadgen), BENCH_BUILD (build dir for
# the extraction driver, `make BUILD=... bench-tools`; default build), BENCH_DURATION
# (s per wrk run, 10), BENCH_ROUNDS (leadgen/nginx pairs, 2), BENCH_CONNECTIONS (64),
# BENCH_IDLE_CONNS (1000), BENCH_SEED_LEADS (1000000), BENCH_LEAD_RUNS (20),
# BENCH_PROFILE=1 (also: 5 s wrk runs on /healthz, a 404 and a 401 to split the
# cost, and perf record with DWARF call graphs during one more projects.php run),
# BENCH_EXTRACT_PASSES (5), BENCH_CRAWL_ROUNDS (3 per tool and set-up),
# BENCH_PLACES_ROUNDS (3), BENCH_PLACES_SEQ_ROUNDS (1), BENCH_VERIFY=0 (skip verify),
# BENCH_FIXTURES (default ../shared/fixtures; when absent, the extraction corpus is
# generated).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

ALL_PARTS=(http extract crawl places ads verify)
PARTS=("$@")
if [ ${#PARTS[@]} -eq 0 ]; then
    PARTS=(http extract crawl places ads)
    [ "${BENCH_VERIFY:-1}" = 1 ] && PARTS+=(verify)
fi
for p in "${PARTS[@]}"; do
    case " ${ALL_PARTS[*]} " in *" $p "*) ;; *)
        echo "usage: bench/run.sh [${ALL_PARTS[*]}]... (default: all)" >&2; exit 2 ;; esac
done
want() { case " ${PARTS[*]} " in *" $1 "*) return 0 ;; esac; return 1; }

LEADGEN_SETUP_BENCH=1 scripts/setup.sh

BIN=${LEADGEN_BIN:-build/leadgen}
[ -x "$BIN" ] || { echo "bench: $BIN is missing; run \`make\` or set LEADGEN_BIN" >&2; exit 1; }
BIN=$(realpath "$BIN")
# The servers below get their configuration from this script alone.
for v in $(compgen -e); do case $v in LEADGEN_*) unset "$v" ;; esac; done

DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-2}
CONNS=${BENCH_CONNECTIONS:-64}
IDLE_CONNS=${BENCH_IDLE_CONNS:-1000}
SEED_LEADS=${BENCH_SEED_LEADS:-1000000}
LEAD_RUNS=${BENCH_LEAD_RUNS:-20}
PROFILE=${BENCH_PROFILE:-0}
PY=(python3 -B "$ROOT/bench/bench.py")

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/out/$STAMP
mkdir -p "$OUT"
ln -sfn "$STAMP" "$ROOT/bench/out/latest"
# Stores live on the same disk as the tree (not a tmpfs /tmp), so fsync costs are real.
WORK=$(mktemp -d "$ROOT/bench/out/work.XXXXXX")
chmod 755 "$WORK"

PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf 'bench: %s\n' "$*" >&2; }

# Waits up to 10 s for GET /healthz on 127.0.0.1:$1 while pid $2 lives.
wait_ready() {
    local port=$1 pid=$2 _
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || { log "server pid $pid exited during start-up"; return 1; }
        curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/healthz" 2>/dev/null && return 0
        sleep 0.1
    done
    log "server on port $port not ready after 10 s"
    return 1
}

# start_leadgen NAME ACCESS_LOG [DB]: fresh store (or DB) in $WORK/NAME; sets
# LG_PID, LG_PORT, and LG_KEY when serve created the first user.
start_leadgen() {
    local access=$2 dir=$WORK/$1
    local db=${3:-$dir/leadgen.db}
    mkdir -p "$dir"
    LG_PORT=$("${PY[@]}" free-port)
    LEADGEN_DB=$db LEADGEN_LISTEN=127.0.0.1:$LG_PORT LEADGEN_ACCESS_LOG=$access \
        "$BIN" serve >"$dir/stdout" 2>"$dir/stderr" &
    LG_PID=$!
    PIDS+=("$LG_PID")
    wait_ready "$LG_PORT" "$LG_PID" || { cat "$dir/stderr" >&2; exit 1; }
    LG_KEY=$(tail -n1 "$dir/stdout")
}

stop_pid() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

api() { # api METHOD PATH JSON -> body on stdout, fails on non-2xx
    curl -fsS --max-time 10 -X "$1" -H 'Content-Type: application/json' --data "$3" \
        "http://127.0.0.1:$LG_PORT/api/v1/$2"
}

# Two projects, neither with a campaign: a small realistic projects.php body.
seed_projects() {
    api POST "projects.php?api_key=$LG_KEY" '{"name":"Berlin dental clinics"}' >/dev/null
    api POST "projects.php?api_key=$LG_KEY" '{"name":"Acme outreach Q3"}' >/dev/null
}

# wrk_once JSONL LABEL ROUND SECONDS URL PID...: one bounded wrk run; raw output in
# $OUT and a JSON line in JSONL, with the CPU the server PIDs used during the run.
wrk_once() {
    local jsonl=$1 label=$2 round=$3 secs=$4 url=$5 file=$OUT/wrk-$2-$3.txt
    shift 5
    log "wrk $label round $round (${secs}s)"
    echo "wrk -t2 -c$CONNS -d${secs}s --latency $url" >"$file"
    local before after
    before=$("${PY[@]}" cpu-ticks "$@")
    timeout $((secs + 30)) wrk -t2 -c"$CONNS" -d"${secs}s" --latency "$url" >>"$file"
    after=$("${PY[@]}" cpu-ticks "$@")
    kill -0 "$1" 2>/dev/null || { log "server pid $1 died during the $label run"; exit 1; }
    "${PY[@]}" wrk-parse "$label" "$file" "$round" $((after - before)) >>"$jsonl"
}
run_wrk() { wrk_once "$OUT/wrk.jsonl" "$1" "$2" "$DURATION" "${@:3}"; }

{
    echo "{\"nproc\": $(nproc), \"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')\","
    echo " \"kernel\": \"$(uname -r)\", \"os\": \"$(# shellcheck disable=SC1091
        . /etc/os-release && echo "$PRETTY_NAME")\","
    echo " \"mem_total_kb\": $(awk '/MemTotal/ {print $2}' /proc/meminfo),"
    echo " \"wrk\": \"$(wrk -v 2>&1 | head -n1 | awk '{print $1, $2}')\", \"nginx\": \"$(nginx -v 2>&1 | sed 's/.*: //')\","
    echo " \"loadavg_at_start\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
    echo " \"git_head\": \"$(git rev-parse --short HEAD 2>/dev/null || echo '?')\","
    echo " \"src_changed_since_head\": \"$(git --no-optional-locks diff --shortstat HEAD -- src 2>/dev/null | sed 's/^ *//')\","
    echo " \"leadgen_bin\": \"$BIN\", \"started\": \"$STAMP\"}"
} >"$OUT/machine.json"

if want http; then
# ---- 1. memory at start, then 1,000 idle keep-alive connections -------------------
log "memory: idle RSS and $IDLE_CONNS idle keep-alive connections"
start_leadgen mem 0
MEM_PID=$LG_PID
sleep 1
"${PY[@]}" rss "$MEM_PID" >"$OUT/rss_idle.json"
seed_projects
curl -fsS -o /dev/null "http://127.0.0.1:$LG_PORT/api/v1/projects.php?api_key=$LG_KEY"
sleep 0.5
"${PY[@]}" rss "$MEM_PID" >"$OUT/rss_warm.json"
timeout 120 "${PY[@]}" conns "$LG_PORT" "$LG_KEY" "$MEM_PID" "$IDLE_CONNS" "$OUT/conns.json" >/dev/null
stop_pid "$MEM_PID"

# ---- 2. throughput: leadgen vs nginx on the same bytes ----------------------------
log "throughput: leadgen vs nginx"
start_leadgen api 0
API_PID=$LG_PID API_PORT=$LG_PORT API_KEY=$LG_KEY
seed_projects
LG_URL="http://127.0.0.1:$API_PORT/api/v1/projects.php?api_key=$API_KEY"
curl -fsS -D "$OUT/projects.headers" -o "$OUT/projects.body" "$LG_URL"

NG=$WORK/nginx
NG_PORT=$("${PY[@]}" free-port)
mkdir -p "$NG/html/api/v1" "$NG/tmp" "$NG/logs"
cp "$OUT/projects.body" "$NG/html/api/v1/projects.php"
chmod -R a+rX "$NG"
CT=$(awk -F': ' 'tolower($1) == "content-type" {sub(/\r$/, "", $2); print $2}' "$OUT/projects.headers")
cat >"$NG/nginx.conf" <<EOF
user $(id -un);
worker_processes 2;
daemon off;
pid $NG/nginx.pid;
error_log $NG/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;  # like leadgen: no per-connection request cap in the runs
    client_body_temp_path $NG/tmp/body;
    proxy_temp_path $NG/tmp/proxy;
    fastcgi_temp_path $NG/tmp/fastcgi;
    uwsgi_temp_path $NG/tmp/uwsgi;
    scgi_temp_path $NG/tmp/scgi;
    types { }
    default_type "$CT";
    server {
        listen 127.0.0.1:$NG_PORT;
        root $NG/html;
        location / { try_files \$uri =404; }
    }
}
EOF
cp "$NG/nginx.conf" "$OUT/nginx.conf"
nginx -p "$NG" -c "$NG/nginx.conf" -e "$NG/logs/error.log" &
NG_PID=$!
PIDS+=("$NG_PID")
wait_ready_nginx() {
    local _
    for _ in $(seq 100); do
        curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$NG_PORT/api/v1/projects.php" && return 0
        sleep 0.1
    done
    cat "$NG/logs/error.log" >&2
    exit 1
}
wait_ready_nginx
NG_URL="http://127.0.0.1:$NG_PORT/api/v1/projects.php?api_key=$API_KEY"
curl -fsS -D "$OUT/nginx.headers" -o "$OUT/nginx.body" "$NG_URL"
cmp -s "$OUT/projects.body" "$OUT/nginx.body" || { log "nginx body differs from leadgen's"; exit 1; }

# short unrecorded warm-up of both, then the alternating recorded runs
timeout 20 wrk -t2 -c"$CONNS" -d2s "$LG_URL" >/dev/null
timeout 20 wrk -t2 -c"$CONNS" -d2s "$NG_URL" >/dev/null
: >"$OUT/wrk.jsonl"
for r in $(seq "$ROUNDS"); do
    run_wrk leadgen "$r" "$LG_URL" "$API_PID"
    run_wrk nginx "$r" "$NG_URL" "$NG_PID" # its workers are counted with it
done
"${PY[@]}" rss "$API_PID" >"$OUT/rss_after_wrk.json"

if [ "$PROFILE" = 1 ] && ! command -v perf >/dev/null; then
    log "BENCH_PROFILE=1 needs perf (apt-get install linux-perf); skipping the profile"
    PROFILE=0
fi
if [ "$PROFILE" = 1 ]; then
    # where the time goes: the same server on routes that skip parts of the work
    : >"$OUT/diagnostics.jsonl"
    BASE="http://127.0.0.1:$API_PORT"
    wrk_once "$OUT/diagnostics.jsonl" 404-no-store 1 5 "$BASE/api/v1/no-such-file.php" "$API_PID"
    wrk_once "$OUT/diagnostics.jsonl" 401-key-lookup-only 1 5 \
        "$BASE/api/v1/projects.php?api_key=lg_$(printf '0%.0s' $(seq 48))" "$API_PID"
    wrk_once "$OUT/diagnostics.jsonl" healthz 1 5 "$BASE/healthz" "$API_PID"
    log "profile: perf record (DWARF call graphs) on leadgen during a 5 s wrk run"
    perf record -q -F 1000 --call-graph dwarf,16384 -o "$WORK/perf.data" -p "$API_PID" \
        -- sleep 5 2>"$OUT/perf.log" &
    PERF_PID=$!
    sleep 0.3
    timeout 40 wrk -t2 -c"$CONNS" -d5s --latency "$LG_URL" >"$OUT/wrk-profiled.txt"
    wait "$PERF_PID" || true
    perf report -i "$WORK/perf.data" --stdio --children --sort dso,sym -g none --percent-limit 1 \
        >"$OUT/perf-children.txt" 2>/dev/null || true
    perf report -i "$WORK/perf.data" --stdio --no-children --sort dso,sym -g none \
        --percent-limit 0.5 >"$OUT/perf-self.txt" 2>/dev/null || true
fi
stop_pid "$NG_PID"
stop_pid "$API_PID"

# the access log on (stderr to a file), once, on a fresh instance with the same data
start_leadgen api-log 1
seed_projects
run_wrk leadgen+accesslog 1 "http://127.0.0.1:$LG_PORT/api/v1/projects.php?api_key=$LG_KEY" "$LG_PID"
stop_pid "$LG_PID"
wc -lc <"$WORK/api-log/stderr" | awk '{print "{\"lines\": " $1 ", \"bytes\": " $2 "}"}' \
    >"$OUT/accesslog-size.json"
head -n 3 "$WORK/api-log/stderr" >"$OUT/accesslog-sample.txt"

# ---- 3. bulk leads into a project of 1,000,000 ------------------------------------
log "bulk leads: populating a project with $SEED_LEADS leads"
LD=$WORK/leads
mkdir -p "$LD"
LD_KEY=$(LEADGEN_DB=$LD/leadgen.db "$BIN" user add bench-leads@example.com --credits 0 | tail -n1)
populate_start=$(date +%s%N)
sqlite3 "$LD/leadgen.db" >"$OUT/leads-populate.log" <<EOF
.bail on
PRAGMA synchronous = OFF;
BEGIN;
INSERT INTO projects (user_id, name, type, leads_count, created_at)
  SELECT id, 'Bulk import target', '', 0, CAST(strftime('%s', 'now') AS INTEGER)
  FROM users WHERE email = 'bench-leads@example.com';
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $SEED_LEADS)
INSERT INTO leads (project_id, email, email_key, firstname, lastname, company, website, phones,
                   description, verified, created_at)
  SELECT p.id, printf('Contact%07d@Company%d.example.com', i, i % 20000),
         printf('contact%07d@company%d.example.com', i, i % 20000),
         'Contact', printf('Number %d', i), printf('Company %d', i % 20000),
         printf('https://company%d.example.com', i % 20000), '', '', 0,
         CAST(strftime('%s', 'now') AS INTEGER) - (i % 86400)
  FROM n, projects p WHERE p.name = 'Bulk import target';
UPDATE projects SET leads_count = (SELECT COUNT(*) FROM leads WHERE project_id = projects.id)
  WHERE name = 'Bulk import target';
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
EOF
populate_ms=$((($(date +%s%N) - populate_start) / 1000000))
# The seed went in with synchronous = OFF; flush it now, or its ~200 MB of dirty page
# cache is written back inside one of the server's first fdatasync calls (a ~100 ms
# outlier that measures this script's bulk load, not leadgen).
sync_start=$(date +%s%N)
sync "$LD/leadgen.db"
sync_ms=$((($(date +%s%N) - sync_start) / 1000000))
PROJECT_ID=$(sqlite3 "$LD/leadgen.db" "SELECT id FROM projects WHERE name = 'Bulk import target'")
COUNT=$(sqlite3 "$LD/leadgen.db" "SELECT leads_count FROM projects WHERE id = $PROJECT_ID")
echo "{\"seed_leads\": $COUNT, \"populate_ms\": $populate_ms, \"flush_ms\": $sync_ms, \"db_bytes\": $(stat -c %s "$LD/leadgen.db")}" \
    >"$OUT/leads-populate.json"
log "bulk leads: $LEAD_RUNS POSTs of 500 new leads (plus one warm-up)"
start_leadgen leads 0 "$LD/leadgen.db"
timeout 120 "${PY[@]}" leads "$LG_PORT" "$LD_KEY" "$PROJECT_ID" "$LEAD_RUNS" 500 "$COUNT" "$OUT/leads.json" \
    "$LG_PID" >/dev/null
stop_pid "$LG_PID"
# every commit fdatasyncs the WAL (synchronous = FULL): how long does the disk take?
timeout 60 "${PY[@]}" fsync-probe "$WORK" 200 "$OUT/fsync.json" >/dev/null

echo "{\"loadavg_at_end\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >"$OUT/load-end.json"
echo
"${PY[@]}" summary "$OUT"
fi # http

# ---- 4. extraction throughput vs grep (issue 3) ------------------------------------
if want extract; then
    BENCH_BUILD=${BENCH_BUILD:-build}
    log "extract: building $BENCH_BUILD/bench/extract_bench"
    make -s BUILD="$BENCH_BUILD" bench-tools >&2
    log "extract: extract_page vs grep -oE over >= 20 MB (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    echo
    timeout 300 "${PY[@]}" extract "$ROOT/$BENCH_BUILD/bench/extract_bench" "$OUT" "$WORK" \
        "${BENCH_EXTRACT_PASSES:-5}" 5 2
fi

# ---- 5. crawl: leadgen vs Scrapy on a 15-page site, 100 ms per answer (issue 3) -----
if want crawl; then
    log "crawl: leadgen crawl vs Scrapy (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    echo
    timeout 300 python3 -B "$ROOT/bench/crawl_bench.py" --bin "$BIN" --out "$OUT" \
        --rounds "${BENCH_CRAWL_ROUNDS:-3}" || log "crawl: a target was missed (see above)"
fi

# ---- 6. places/search.php: 20 places, 300 ms per upstream answer (issue 6) ----------
if want ads; then
    log "ads: enriching 15 landing sites at 200 ms a page (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    timeout 300 python3 -B "$ROOT/bench/ads_bench.py" --bin "$BIN" --rounds "${BENCH_ADS_ROUNDS:-3}" \
        || log "ads: the target was missed (see above)"
fi

if want places; then
    log "places: concurrent vs LEADGEN_PLACES_PARALLEL=1 (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    echo
    timeout 300 python3 -B "$ROOT/bench/places_bench.py" --bin "$BIN" --out "$OUT" \
        --rounds "${BENCH_PLACES_ROUNDS:-3}" --seq-rounds "${BENCH_PLACES_SEQ_ROUNDS:-1}" \
        || log "places: the target was missed (see above)"
fi

echo
echo "raw results: bench/out/$STAMP (also bench/out/latest)"
# email verification (issue 7): fake DNS and SMTP servers on loopback, about 2.5 minutes
if want verify; then
  echo
  timeout 600 python3 -B "$ROOT/bench/verify_bench.py" --bin "$BIN" || true
fi
