#!/usr/bin/env bash
# Installs the Debian packages leadgen builds, tests and benchmarks with.
# Idempotent: asks apt only for what is missing, so `make test` stays fast on a
# machine that already has everything.
set -euo pipefail

PKGS=(
  build-essential pkg-config
  libmicrohttpd-dev libsqlite3-dev libjansson-dev libsodium-dev
  libcurl4-gnutls-dev libpsl-dev libidn2-dev libc-ares-dev libpcre2-dev libpq-dev
  libssl-dev libunistring-dev
  sqlite3 curl python3 python3-yaml clang
  postgresql  # test.sh runs the suites on a throw-away cluster too (scripts/pg-cluster.sh)
)
# bench/run.sh: wrk and nginx (HTTP suite), time (/usr/bin/time -v) and Scrapy
# (the crawl benchmark's peer, run under Debian's /usr/bin/python3)
if [ "${LEADGEN_SETUP_BENCH:-0}" = 1 ]; then PKGS+=(wrk nginx-light time python3-scrapy); fi

# The email-verification lists in data/ are committed; a checkout without
# them fetches them from the npm registry (installing npm first if needed).
ROOT=$(cd "$(dirname "$0")/.." && pwd)
for list in disposable free role; do
  [ -s "$ROOT/data/verify-$list.txt" ] && continue
  if ! command -v npm >/dev/null; then
    $([ "$(id -u)" -ne 0 ] && echo sudo) apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $([ "$(id -u)" -ne 0 ] && echo sudo) \
      apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  "$ROOT/scripts/update-lists.sh"
  break
done

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
