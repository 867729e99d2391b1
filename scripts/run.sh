#!/usr/bin/env bash
# `make run`: starts the server on the embedded SQLite store. On the first
# start the store has no user, so one is created and its API key printed.
set -euo pipefail
cd "$(dirname "$0")/.."
exec build/leadgen serve
