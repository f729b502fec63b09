#!/usr/bin/env bash
# Quick start: install the packages, build, install wimm (meson install,
# under /usr/local when run as root), and run the default comparison (every
# shipped workload under every installed base allocator), ending with the
# summary table. Arguments are passed to `wimm run` (e.g. --quick, -a all).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
if [ "$(id -u)" -eq 0 ]; then
	meson install -C build --quiet --no-rebuild
	prefix=$(meson introspect build --buildoptions |
		python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
	echo "wimm: installed $prefix/bin/wimm (and its files under $prefix; man wimm)" >&2
	wimm="$prefix/bin/wimm"
else
	wimm="$PWD/build/bench/wimm"
	echo "wimm: not root, so not installed; use $wimm, or run" \
		"\`meson install -C build\` with a --prefix you can write (meson configure build -Dprefix=\$HOME/.local)" >&2
fi
exec "$wimm" run "$@"
