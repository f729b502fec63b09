#!/usr/bin/env python3
"""One preset of the benchmark suite: run it at default scale, then compare
the run with the committed baseline of this testbed.

usage: bench_suite.py WIMM PRESET SOURCE_ROOT OUT_DIR

Registered as one meson benchmark per preset (suite = the preset's name):
`meson test -C build --benchmark` runs them all, `--suite tile-cache` one.
Runs `wimm run PRESET -r REPS --out OUT_DIR`, then
`wimm compare --partial SOURCE_ROOT/results/baseline/<testbed>.json RUN_DIR`
(--partial: the baseline holds every preset, the run one).

REPS is $WIMM_BENCH_REPS, else the repetitions the baseline was made with
(so that like is compared with like), else 1. Time is only tested with 9
repetitions a side; with fewer, time is reported inconclusive and memory
alone gates.

Exit: 0 nothing regressed (or no baseline for this testbed: then it says so
and how to make one: nothing was compared); 1 a regression (the table says
what), the run itself failed, or the baseline has no cell of the preset; 77 (meson: SKIP) the baseline is not
comparable (an allocator was upgraded: the reason is printed).
OUT_DIR also gets compare-PRESET.md and gab-PRESET.json (for a CI job
summary and github-action-benchmark).
"""
import json
import os
import subprocess
import sys

SKIP = 77


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    wimm, preset, root, out = sys.argv[1:]
    results = os.path.join(root, "results")
    # Where this machine's baseline is: wimm knows its testbed id.
    p = subprocess.run([wimm, "baseline", "path", "--out", results], capture_output=True,
                       text=True)
    baseline = p.stdout.strip()
    have_baseline = p.returncode == 0
    reps = os.environ.get("WIMM_BENCH_REPS")
    if not reps and have_baseline:
        reps = str(json.load(open(baseline))["meta"].get("reps") or 1)
    reps = reps or "1"

    cmd = [wimm, "run", preset, "-r", reps, "--out", out]
    print("$ " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd)
    if r.returncode != 0:
        print(f"bench: {' '.join(cmd)} exited {r.returncode}", flush=True)
        return 1
    run_dir = os.path.realpath(os.path.join(out, "latest"))

    if not have_baseline:
        print(f"\nbench: NOTHING WAS COMPARED: there is no baseline for this testbed "
              f"({baseline}).\nMake one from a default comparison on this machine and commit "
              f"it:\n  wimm run -r 9 && wimm baseline update   # in {root}\n"
              f"This run is in {run_dir}.", flush=True)
        return 0

    md = os.path.join(out, f"compare-{preset}.md")
    gab = os.path.join(out, f"gab-{preset}.json")
    # --partial: the baseline holds every preset and this run one of them.
    cmd = [wimm, "compare", "--partial", f"--markdown={md}", "--export-gab", gab, baseline,
           run_dir]
    print("\n$ " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd)
    if r.returncode == 3:
        print(f"bench: NOTHING WAS COMPARED: this run and {baseline} are not comparable "
              "(above: what differs). Update the baseline on this machine: "
              "wimm run -r 9 && wimm baseline update", flush=True)
        return SKIP
    if r.returncode == 1:
        print(f"bench: {preset} REGRESSED against {baseline} (table above; Markdown in {md})",
              flush=True)
        return 1
    if r.returncode == 4:
        print(f"bench: {preset}: nothing of it was compared with {baseline}: the baseline "
              "has no cell of this preset (above)", flush=True)
        return 1
    if r.returncode != 0:
        print(f"bench: wimm compare exited {r.returncode}", flush=True)
        return 1
    print(f"bench: {preset}: no regression against {baseline}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
