#!/usr/bin/env python3
"""What following a process tree costs the driver per tick: a tree of 50
processes (a shell and 49 children sleeping) run by `wimm exec`, REPS times,
and the driver's own time per tick finding the tree's processes (reading
/proc/PID/task/TID/children of each) against its time reading their RSS
(/proc/PID/statm), both measured inside the same ticks (cells.csv:
tree_discovery_us, tree_sampling_us); apart, the one-off look at each new
process (tree_identify_us: files opened, command line, whether the probe
can be in it), and the PSS sweep's cost and rate.
Prints the medians and spreads; exits 1 when the median discovery cost is
above the sampling cost (the target of issue 19), 0 otherwise.

usage: proctree_cost.py WIMM [REPS] [PROCS]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

WIMM = sys.argv[1]
REPS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
PROCS = int(sys.argv[3]) if len(sys.argv) > 3 else 50


def main():
    out = tempfile.mkdtemp(prefix="wimm-proctree-cost-")
    script = (f"i=1; while [ $i -lt {PROCS} ]; do sleep 2 & i=$((i+1)); done; wait")
    r = subprocess.run([WIMM, "exec", "-a", "glibc", "-r", str(REPS), "--out", out,
                        "--name", "tree50", "--", "sh", "-c", script],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        sys.exit(f"wimm exec failed ({r.returncode}): {r.stderr[-800:]}")
    run = os.path.realpath(os.path.join(out, "latest"))
    cells = json.load(open(os.path.join(run, "summary.json")))["cells"]
    disc = [c["tree_discovery_us"] for c in cells]
    samp = [c["tree_sampling_us"] for c in cells]
    ratio = [d / s for d, s in zip(disc, samp)]
    pss = [c["pss_cost_us"] for c in cells]
    ident = [c["tree_identify_us"] for c in cells]
    every = [c["pss_interval_s"] for c in cells]
    procs = [c["procs"] for c in cells]

    def show(name, v, unit):
        print(f"{name:34s} median {statistics.median(v):8.1f} {unit}  "
              f"(min {min(v):.1f}, max {max(v):.1f}, n={len(v)})")

    print(f"tree of {PROCS} processes (found: {procs}), {REPS} runs, 10 ms ticks")
    show("discovery per tick", disc, "us")
    show("sampling (statm) per tick", samp, "us")
    show("discovery / sampling", ratio, "x")
    show("looking at a new process (once)", ident, "us")
    show("PSS sweep of the tree", pss, "us")
    show("PSS read every", [e * 1000 for e in every], "ms")
    print(f"results: {run}")
    return 0 if statistics.median(ratio) <= 1.0 else 1


sys.exit(main())
