#!/usr/bin/env bash
# The wimm matrix as a Slurm job array: one shard per array task (`wimm run
# --shard K/N`), then one job, started when every task has ended, that merges
# the shards (`wimm merge`), compares the merged run with the committed
# baseline of its testbed and writes the Markdown verdict next to it.
#
#   scripts/slurm-matrix.sh submit N [WIMM RUN ARGS...]
#       submits the array of N shards and the merge after it; the run
#       directories go to $WIMM_SHARDS (default ./shards), the merged run
#       to ./results, the verdict to ./verdict.md
#
# Build wimm first (scripts/build.sh) on a file system every node sees. Every
# node must be of one testbed (machine, CPU count, kernel): `wimm merge`
# refuses shards of different ones; pick one partition of identical nodes
# (sbatch -p PARTITION, or SBATCH_PARTITION). Each task takes its node alone
# (--exclusive): other jobs beside a cell would disturb its memory and time.
#SBATCH --job-name=wimm-matrix
#SBATCH --exclusive
#SBATCH --time=12:00:00
#SBATCH --output=wimm-%A_%a.log
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Inside a job, Slurm runs a copy of this script: WIMM_ROOT says where the
# repository is (set by submit).
root="${WIMM_ROOT:-$here}"
wimm="$root/build/bench/wimm"
shards="${WIMM_SHARDS:-$PWD/shards}"

case "${1:-}" in
submit)
	n="${2:?usage: scripts/slurm-matrix.sh submit N [WIMM RUN ARGS...]}"
	shift 2
	[ -x "$wimm" ] || { echo "no $wimm: run scripts/build.sh first" >&2; exit 2; }
	mkdir -p "$shards"
	export WIMM_ROOT="$root" WIMM_SHARDS="$shards"
	# One seed for every shard: the same cell order (the deal does not
	# depend on it).
	seed=$(date +%s)
	job=$(sbatch --parsable --array="1-$n" "$here/scripts/slurm-matrix.sh" shard "$n" \
		--seed "$seed" "$@")
	sbatch --parsable --dependency="afterany:$job" --job-name=wimm-merge \
		--output=wimm-merge-%j.log "$here/scripts/slurm-matrix.sh" merge
	echo "submitted shards $job (1-$n) and their merge; results in $shards and ./results" >&2
	;;
shard)
	n="$2"
	shift 2
	k="${SLURM_ARRAY_TASK_ID:?not in a Slurm job array}"
	rc=0
	"$wimm" run "$@" --shard "$k/$n" --out "$shards/shard-$k" || rc=$?
	# 1: some cells failed, which the merged run and the verdict show.
	[ "$rc" -le 1 ]
	;;
merge)
	rc=0
	"$wimm" merge "$shards"/shard-*/runs/* --out results || rc=$?
	[ "$rc" -le 1 ] || exit "$rc"
	# The baselines committed in the repository, the one of this testbed.
	"$wimm" compare "$root/results/baseline" results/latest --markdown=verdict.md
	;;
*)
	sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
