#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the test suites (Debian's postgresql package).
#   scripts/pg-cluster.sh start DIR   initdb + start on a free loopback port; prints the
#                                     base URL postgresql://leadgen@127.0.0.1:PORT/leadgen
#   scripts/pg-cluster.sh stop DIR    stops it and removes DIR
#   scripts/pg-cluster.sh down DIR    stops the server (connections cut), keeping its data
#   scripts/pg-cluster.sh up DIR      starts it again on the same port
# initdb refuses root, so as root the cluster runs as `nobody`; trust authentication on
# 127.0.0.1 only, and durability off (fsync) since the data is thrown away.
set -euo pipefail

cmd=${1:?start|stop}; dir=${2:?directory}
bin=${LEADGEN_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$bin/initdb" ] || { echo "pg-cluster: no initdb under /usr/lib/postgresql (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown nobody: "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_owner "$bin/initdb" -D "$dir/data" -U leadgen -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  echo "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off \
        -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" >"$dir/options"
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$(cat "$dir/options")" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U leadgen leadgen
  echo "postgresql://leadgen@127.0.0.1:$port/leadgen"
  ;;
stop)
  [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
down)
  # fast, not immediate: with fsync and synchronous_commit off, an immediate
  # stop would lose acknowledged commits, which a real outage does not
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  ;;
up)
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$(cat "$dir/options")" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  ;;
*) echo "usage: $0 start|stop|down|up DIR" >&2; exit 2 ;;
esac
