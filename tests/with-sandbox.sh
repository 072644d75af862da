#!/usr/bin/env bash
# Runs a command with a fresh sandbox on loopback, its base URL and the default
# credentials exported as OPEN_CONNECTORS_BASE_URL, OPEN_CONNECTORS_USER_SECRET and
# OPEN_CONNECTORS_ORGANIZATION_SECRET. The sandbox stops when the command ends.
set -euo pipefail
bin="${OC_SANDBOX_BIN:?set OC_SANDBOX_BIN to the oc-sandbox binary (make sandbox builds it)}"
out=$(mktemp)
"$bin" --port 0 --quiet >"$out" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$out"; }
trap cleanup EXIT
for _ in $(seq 1 200); do
  [ -s "$out" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "with-sandbox: the sandbox exited" >&2; exit 1; }
  sleep 0.05
done
url=$(head -n 1 "$out")
[ -n "$url" ] || { echo "with-sandbox: the sandbox printed no URL" >&2; exit 1; }
export OPEN_CONNECTORS_BASE_URL="$url"
export OPEN_CONNECTORS_USER_SECRET="${OC_DEMO_USER_SECRET:-sAfK7LJGNz5ZHcNrvdJvLI=f03WbTbH6aRKc0HJ3oOIi}"
export OPEN_CONNECTORS_ORGANIZATION_SECRET="${OC_DEMO_ORGANIZATION_SECRET:-58168435e3b9959a929eb04b6218b9a2}"
echo "sandbox: $url" >&2
"$@"
