#!/usr/bin/env bash
# The checks CI runs beside the tests: every C file as .clang-format has it,
# and a build without a single warning under gcc and under clang.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --dev
git ls-files -z '*.c' '*.h' | xargs -0 clang-format --dry-run --Werror
for cc in gcc clang; do
	dir="build-check-$cc"
	if [ ! -f "$dir/build.ninja" ]; then
		CC="$cc" meson setup "$dir" -Dwerror=true >/dev/null
	fi
	ninja -C "$dir" >/dev/null
done
echo "check: formatting and warning-free gcc and clang builds ok"
