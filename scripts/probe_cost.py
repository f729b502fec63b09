#!/usr/bin/env python3
"""What the probe costs: the same cells with and without it, paired.

usage: probe_cost.py WIMM [WORKLOAD] [ALLOCATORS] [REPS]
       (defaults: stamps, glibc,jemalloc,tcmalloc,mimalloc, 5)

Runs `wimm run -r 1` REPS times with the probe and REPS times with
--no-probe, alternating, so slow drift of a shared machine falls on both
alike; each probe run is paired with the no-probe run next to it. Prints,
per thread count and allocator, the median of the paired ratios of wall
time and of peak RSS, the medians themselves, and what the probe's readings
cost: wall time (which includes waiting for the allocator's locks) and CPU
time (what a reading takes from the workload).
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from taplib import run_cells  # noqa: E402

WIMM = sys.argv[1]
WORKLOAD = sys.argv[2] if len(sys.argv) > 2 else "stamps"
ALLOCATORS = sys.argv[3] if len(sys.argv) > 3 else "glibc,jemalloc,tcmalloc,mimalloc"
REPS = int(sys.argv[4]) if len(sys.argv) > 4 else 5


def run(extra, seed):
    cells = run_cells(WIMM, WORKLOAD, "-a", ALLOCATORS, "--seed", str(seed), *extra)
    return {(c["threads"], c["allocator"]): c for c in cells if c["status"] == "ok"}


pairs = {}
for i in range(REPS):
    # The same seed for both halves of a pair (the same cell order), and
    # which half goes first alternates.
    if i % 2 == 0:
        on = run([], i)
        off = run(["--no-probe"], i)
    else:
        off = run(["--no-probe"], i)
        on = run([], i)
    for key in on:
        if key in off:
            pairs.setdefault(key, []).append((on[key], off[key]))

print(f"{WORKLOAD}: {REPS} pairs of runs (with probe, without), alternating; medians")
print(f"{'threads':>7} {'allocator':<10} {'wall ratio':>10} {'peak RSS ratio':>14} "
      f"{'wall with/without':>20} {'reads':>6} {'wall/read':>10} {'max':>9} {'CPU/read':>9}")
for key in sorted(pairs):
    p = pairs[key]
    wall = statistics.median(a["wall_s"] / b["wall_s"] for a, b in p)
    rss = statistics.median(a["peak_rss_bytes"] / b["peak_rss_bytes"] for a, b in p)
    wa = statistics.median(a["wall_s"] for a, _ in p)
    wb = statistics.median(b["wall_s"] for _, b in p)
    reads = statistics.median(a["probe_reads"] or 0 for a, _ in p)
    cost = statistics.median(a["probe_cost_mean_us"] or 0 for a, _ in p)
    top = max(a["probe_cost_max_us"] or 0 for a, _ in p)
    cpu = statistics.median(a.get("probe_cpu_mean_us") or 0 for a, _ in p)
    print(f"{key[0]:>7} {key[1]:<10} {wall:>10.3f} {rss:>14.4f} "
          f"{wa:>9.3f}/{wb:<8.3f}s {reads:>6.0f} {cost:>8.1f}us {top:>7.0f}us {cpu:>7.1f}us")
