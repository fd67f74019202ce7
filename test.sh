#!/usr/bin/env bash
# Runs every test: installs the npm clients the SDK tests drive, then the .NET test projects.
set -euo pipefail
cd "$(dirname "$0")"

npm ci --prefix test/node --no-audit --no-fund --loglevel=error

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
dotnet test --solution Tokenwise.slnx 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One plain closing line for any reader of the output.
awk '/^  succeeded:/ {p=$2} /^  failed:/ {f=$2} /^  skipped:/ {s=$2} END {printf "tests: %d passed, %d failed, %d skipped\n", p, f, s}' "$log"
exit "$status"
