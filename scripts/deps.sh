#!/usr/bin/env bash
# Installs the Debian packages wimm needs, only those that are missing.
#   scripts/deps.sh          what building and running wimm needs
#   scripts/deps.sh --test   and what the tests and benchmarks use (chromium
#                            for the report test, heaptrack and GNU time as
#                            independent references, rsvg-convert, zstd for
#                            scripts/trace_faithful.py)
#   scripts/deps.sh --dev    and the checks CI runs (clang, clang-format)
# --no-install-recommends: gperftools would otherwise pull in ImageMagick
# and ghostscript. Called by build.sh, test.sh and check.sh; safe to rerun.
set -euo pipefail

packages=(
	gcc libc6-dev pkg-config meson ninja-build python3
	libyaml-dev libjson-c-dev libzstd-dev
	libjemalloc-dev libgoogle-perftools-dev libmimalloc-dev
	gnuplot-nox scdoc
)
for arg in "$@"; do
	case "$arg" in
	--test) packages+=(librsvg2-bin chromium heaptrack time zstd) ;;
	--dev) packages+=(clang clang-format) ;;
	*)
		echo "usage: scripts/deps.sh [--test] [--dev]" >&2
		exit 2
		;;
	esac
done

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "wimm: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null; then
		sudo="sudo"
	else
		echo "wimm: error: missing packages (${missing[*]}) and not root; run as root" >&2
		exit 2
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
