#!/usr/bin/env python3
"""What the probe costs: the same cells with and without it, in one session.

usage: probe_cost.py WIMM [WORKLOAD] [ALLOCATORS] [REPS]
       (defaults: stamps, glibc,jemalloc,tcmalloc,mimalloc, 5)

Both runs interleave nothing: each is a `wimm run -r REPS` (cells shuffled
within each round), one with the probe and one with --no-probe. Prints, per
thread count and allocator, the median wall time and peak RSS of each and
their ratio, and the probe's own reading count and cost.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

WIMM = sys.argv[1]
WORKLOAD = sys.argv[2] if len(sys.argv) > 2 else "stamps"
ALLOCATORS = sys.argv[3] if len(sys.argv) > 3 else "glibc,jemalloc,tcmalloc,mimalloc"
REPS = sys.argv[4] if len(sys.argv) > 4 else "5"


def run(extra):
    out = tempfile.mkdtemp(prefix="wimm-probe-cost-")
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_PERTURB_"}
    subprocess.run([WIMM, "run", WORKLOAD, "-a", ALLOCATORS, "-r", REPS, "--out", out, *extra],
                   check=True, stdout=subprocess.DEVNULL, env=env)
    cells = json.load(open(os.path.join(out, "latest", "summary.json")))["cells"]
    by = {}
    for c in cells:
        if c["status"] == "ok":
            by.setdefault((c["threads"], c["allocator"]), []).append(c)
    return by


with_probe, without = run([]), run(["--no-probe"])
print(f"{WORKLOAD}, medians of {REPS} runs each")
print(f"{'threads':>7} {'allocator':<10} {'wall ratio':>10} {'peak RSS ratio':>14} "
      f"{'wall (probe/none)':>20} {'reads':>6} {'cost/read':>10} {'max':>9}")
for key in sorted(with_probe):
    a, b = with_probe[key], without.get(key, [])
    if not b:
        continue
    wa, wb = statistics.median(c["wall_s"] for c in a), statistics.median(c["wall_s"] for c in b)
    ra = statistics.median(c["peak_rss_bytes"] for c in a)
    rb = statistics.median(c["peak_rss_bytes"] for c in b)
    reads = statistics.median(c["probe_reads"] or 0 for c in a)
    cost = statistics.median(c["probe_cost_mean_us"] or 0 for c in a)
    top = max(c["probe_cost_max_us"] or 0 for c in a)
    print(f"{key[0]:>7} {key[1]:<10} {wa / wb:>10.3f} {ra / rb:>14.4f} "
          f"{wa:>9.3f}/{wb:<9.3f}s {reads:>6.0f} {cost:>8.1f}us {top:>7.0f}us")
