#!/usr/bin/env bash
# Fuzzes wimm's readers with libFuzzer: the YAML loaders (workload_load,
# allocator_load); with --target trace (or WIMM_FUZZ_TARGET=trace) the trace
# reader (trace_read, trace_walk, trace info); with --target results the
# readers of files wimm wrote (summary.json, meta.json, baselines, history,
# series: rundir_load, history_read, plot_scan_series).
#
#   scripts/fuzz.sh                          # the YAML loaders, 10 minutes
#   scripts/fuzz.sh 1800                     # 30 minutes (seconds)
#   scripts/fuzz.sh 0 FILE...                # no fuzzing: replay FILEs (a crash)
#   scripts/fuzz.sh --target results 1800    # the results readers
#   WIMM_FUZZ_TARGET=trace scripts/fuzz.sh 1800
#
# Builds tests/fuzz/fuzz_TARGET in build-fuzz/ (clang, -fsanitize=fuzzer with
# address and undefined, every UBSan finding fatal), installing clang and
# its runtimes when missing. The seed corpus is copied at each run from the
# shipped presets and the test fixtures into build-fuzz/seed/; what the
# fuzzer learns is kept in build-fuzz/corpus/ across runs; crashes, leaks
# and timeouts land in build-fuzz/artifacts/ (replay one with
# `scripts/fuzz.sh 0 FILE`). The run is niced (others measure on this
# machine); its log is build-fuzz/fuzz-DATE.log, and build-fuzz/fuzz-runs.tsv
# gets a line per run (seconds, executions, corpus, artifacts).
set -euo pipefail
cd "$(dirname "$0")/.."

name=${WIMM_FUZZ_TARGET:-yaml}
if [ "${1:-}" = "--target" ]; then
	name=${2:-}
	shift 2 || true
fi
seconds=${1:-600}
shift || true
case "$seconds" in
'' | *[!0-9]*)
	echo "usage: scripts/fuzz.sh [--target yaml|trace|results] [SECONDS] [FILE...]" >&2
	exit 2
	;;
esac

scripts/deps.sh
packages=(clang libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "wimm: installing ${missing[*]}" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

dir=build-fuzz
if [ ! -f "$dir/build.ninja" ]; then
	# b_lundef=false: clang links the sanitizer runtimes into executables
	# only, so shared libraries (the probe) keep undefined __asan_* symbols.
	CC=clang nice -n 19 meson setup "$dir" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fno-sanitize-recover=all -Dbuildtype=debugoptimized
fi
case "$name" in
yaml | trace | results) ;;
*)
	echo "fuzz target $name: expected yaml, trace or results" >&2
	exit 2
	;;
esac
nice -n 19 ninja -C "$dir" "tests/fuzz/fuzz_$name"
target=$dir/tests/fuzz/fuzz_$name

if [ "$seconds" -eq 0 ]; then
	mkdir -p "$dir/artifacts"
	exec "$target" -artifact_prefix="$dir/artifacts/" "$@"
fi

# Each target has its own corpus and artifacts: build-fuzz/{corpus,artifacts}
# for yaml (as before), build-fuzz/TARGET-{corpus,artifacts} for the others.
pre=""
[ "$name" = yaml ] || pre="$name-"
rm -rf "$dir/${pre}seed"
mkdir -p "$dir/${pre}seed" "$dir/${pre}corpus" "$dir/${pre}artifacts"
if [ "$name" = yaml ]; then
	cp workloads/presets/*.yaml allocators/*.yaml "$dir/seed/"
	for sub in good bad allocators crashes; do
		for f in tests/fixtures/"$sub"/*.yaml; do
			[ -e "$f" ] && cp "$f" "$dir/seed/$sub-$(basename "$f")"
		done
	done
	dict=tests/fuzz/yaml.dict
	max_len=8192
elif [ "$name" = results ]; then
	# Each seed with the byte that picks the file it becomes (fuzz_results.c).
	prefix() { { printf '%s' "$1"; cat "$2"; } >"$dir/${pre}seed/$3"; }
	n=0
	for f in tests/fixtures/report/run/summary.json tests/fixtures/compare/run/summary.json; do
		prefix S "$f" "summary-$((n += 1)).json"
	done
	for f in tests/fixtures/report/run/meta.json tests/fixtures/compare/run/meta.json \
		tests/fixtures/compare/context-*.json; do
		prefix M "$f" "meta-$((n += 1)).json"
	done
	for f in results/baseline/*.json tests/fixtures/compare/*-base.json \
		tests/fixtures/compare/*-new.json tests/fixtures/compare/bad/*.json; do
		[ -e "$f" ] && prefix B "$f" "baseline-$((n += 1)).json"
	done
	for f in tests/fixtures/history/history/*.csv; do
		prefix H "$f" "history-$((n += 1)).csv"
	done
	# A few series: they are large, and alike.
	for f in $(ls tests/fixtures/report/run/series/*.tsv | head -4); do
		prefix T "$f" "series-$((n += 1)).tsv"
	done
	dict=tests/fuzz/results.dict
	# The fixture summary is over 100 KiB; the fuzzer grows inputs slowly
	# past what it was seeded with, so the limit leaves room.
	max_len=262144
else
	# A whole-file input starts with an even byte (fuzz_trace.c).
	for f in tests/fixtures/trace/*/*.wtrace; do
		[ -e "$f" ] && { printf '\0'; cat "$f"; } >"$dir/${pre}seed/$(basename "$(dirname "$f")")-$(basename "$f")"
	done
	dict=tests/fuzz/trace.dict
	max_len=8192
fi

log=$dir/fuzz-$name-$(date +%Y%m%d-%H%M%S).log
echo "wimm: fuzzing for ${seconds}s; log $log" >&2
# -max_len: the largest YAML seed (description-too-long.yaml) is over 2 KiB.
# -timeout: a loader must answer any input far within this, even niced on a
# busy shared machine (replayed alone, every input so far takes < 1 s).
status=0
nice -n 19 "$target" "$dir/${pre}corpus" "$dir/${pre}seed" \
	-dict="$dict" -max_total_time="$seconds" -max_len="$max_len" -timeout=60 \
	-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/${pre}artifacts/" \
	>"$log" 2>&1 || status=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
corpus=$(find "$dir/${pre}corpus" -type f | wc -l)
crashes=$(find "$dir/${pre}artifacts" -type f | wc -l)
echo "wimm: exit status $status, ${execs:-?} executions, corpus $corpus files, $crashes artifacts" >&2
# One line per run, so the fuzzing done so far can be added up.
[ -f "$dir/fuzz-runs.tsv" ] || printf 'log\tseconds\tstatus\texecutions\tcorpus\tartifacts\n' >"$dir/fuzz-runs.tsv"
printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$log" "$seconds" "$status" "${execs:-?}" "$corpus" "$crashes" \
	>>"$dir/fuzz-runs.tsv"
grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_[a-z]*: contract|artifact_prefix|Test unit written)' "$log" >&2 || true
exit "$status"
