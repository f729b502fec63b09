#!/usr/bin/env bash
# Runs the test suite (meson test), installing and building first if needed.
# Arguments are passed to `meson test` (e.g. --benchmark, or a test name).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
scripts/build.sh
exec meson test -C build --print-errorlogs "$@"
