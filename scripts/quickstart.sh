#!/usr/bin/env bash
# Quick start: install, build, and run the default comparison (every shipped
# workload under every installed base allocator), ending with the summary
# table. Arguments are passed to `wimm run` (e.g. --quick, -a all).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
exec build/bench/wimm run "$@"
