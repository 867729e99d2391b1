#!/usr/bin/env bash
# Installs the Debian packages leadgen builds, tests and benchmarks with.
# Idempotent: asks apt only for what is missing, so `make test` stays fast on a
# machine that already has everything.
set -euo pipefail

# Exactly what the build links (the Makefile's PKGS and -lunistring) and runs:
# python3-yaml for scripts/yaml2json.py (build), python3 for the e2e suite and
# openssl for its fake SMTP server's certificate; clang for the libFuzzer builds
# (`make fuzz`, `make fuzz-long`). libcurl is Debian's OpenSSL flavour: libssl
# is linked anyway for the mailbox probe's TLS, so there is one TLS library.
PKGS=(
  build-essential pkg-config
  libmicrohttpd-dev libsqlite3-dev libjansson-dev libsodium-dev
  libcurl4-openssl-dev libssl-dev libpsl-dev libidn2-dev libc-ares-dev libunistring-dev
  libicu-dev libpq-dev python3 python3-yaml openssl clang
  chromium  # the browser search provider and its e2e tests
  nodejs  # the dashboard's browser test (playwright-core, in tests/browser/)
  postgresql  # test.sh runs the suites on a throw-away cluster too (scripts/pg-cluster.sh)
)
# bench/run.sh: wrk and nginx (HTTP suite), time (/usr/bin/time -v), curl and
# sqlite3 (its drivers), and Scrapy (the crawl benchmark's peer, run under
# Debian's /usr/bin/python3)
if [ "${LEADGEN_SETUP_BENCH:-0}" = 1 ]; then
  PKGS+=(wrk nginx-light time curl sqlite3 python3-scrapy)
fi

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

# The OpenAPI checks (tests/e2e/test_openapi_client.py): Redocly's linter and
# a generated TypeScript client, pinned in tools/openapi/package-lock.json and
# installed there (node_modules is not committed). Skipped when already there.
if [ ! -x "$ROOT/tools/openapi/node_modules/.bin/redocly" ] ||
   [ "$ROOT/tools/openapi/package-lock.json" -nt "$ROOT/tools/openapi/node_modules" ]; then
  if ! command -v npm >/dev/null; then
    $([ "$(id -u)" -ne 0 ] && echo sudo) apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $([ "$(id -u)" -ne 0 ] && echo sudo) \
      apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  (cd "$ROOT/tools/openapi" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  touch "$ROOT/tools/openapi/node_modules"
fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The dashboard's browser test drives Debian's chromium with playwright-core from the
# npm registry, pinned by tests/browser/package-lock.json, installed in that folder only.
if [ ! -d "$ROOT/tests/browser/node_modules/playwright-core" ]; then
  if ! command -v npm >/dev/null; then
    $([ "$(id -u)" -ne 0 ] && echo sudo) apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $([ "$(id -u)" -ne 0 ] && echo sudo) \
      apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  (cd "$ROOT/tests/browser" && npm ci --no-audit --no-fund --silent)
fi
