#!/usr/bin/env python3
"""What the live progress line costs the measurement: the same cell run with
stderr on a pseudo-terminal (the line redrawn in place) and on a pipe (plain
lines), alternating, sampled every 1 ms so the sampler's loop is as busy as
it gets. Compares, per pair, the sampling gaps (median and p99 of the time
between two samples: a redraw that held the loop back would show there),
the number of samples per second, and the cell's wall time. Prints medians
and their spread, and a sign test over the pairs: exits 1 when the live
line's p99 gap is the larger one in every pair (p < 0.01 one-sided from 7
pairs up), which noise alone would rarely do.

A redraw is at most 4 a second against 1000 samples, so it can touch under
1% of the gaps: a p99 that moves in both directions from pair to pair is
the machine's noise, not the line.

usage: progress_cost.py WIMM WORKLOAD_YAML [PAIRS]
       WORKLOAD_YAML: tests/fixtures/bench/churn-work.yaml
"""
import json
import math
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile

WIMM, WORKLOAD = sys.argv[1:3]
PAIRS = int(sys.argv[3]) if len(sys.argv) > 3 else 7
ENV = {k: v for k, v in os.environ.items() if k not in ("MALLOC_PERTURB_", "NO_COLOR")}
ENV["TERM"] = "xterm"


def run(live, seed):
    out = tempfile.mkdtemp(prefix="wimm-progress-")
    args = [WIMM, "run", WORKLOAD, "-t", "1", "-a", "glibc", "--interval", "1ms", "--seed",
            str(seed), "--out", out]
    if live:
        master, slave = pty.openpty()
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=slave, env=ENV)
        os.close(slave)
        redraws = 0
        while True:
            r, _, _ = select.select([master], [], [], 120)
            try:
                chunk = os.read(master, 65536) if r else b""
            except OSError:
                chunk = b""
            if not chunk:
                break
            redraws += chunk.count(b"\r[")
        os.close(master)
        code = p.wait()
    else:
        r = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
        code, redraws = r.returncode, 0
    if code:
        sys.exit(f"progress_cost: wimm run exited {code}")
    run_dir = os.path.realpath(os.path.join(out, "latest"))
    cell = json.load(open(os.path.join(run_dir, "summary.json")))["cells"][0]
    rows = open(os.path.join(run_dir, cell["series"])).read().splitlines()[1:]
    t = [float(r.split("\t")[0]) for r in rows]
    gaps = sorted(b - a for a, b in zip(t, t[1:]))
    return {"p50": gaps[len(gaps) // 2] * 1e3, "p99": gaps[int(len(gaps) * 0.99)] * 1e3,
            "rate": len(t) / (t[-1] - t[0]), "wall": cell["wall_s"], "redraws": redraws}


def spread(xs):
    xs = sorted(xs)
    return f"{statistics.median(xs):.3f} ({xs[0]:.3f}-{xs[-1]:.3f})"


def main():
    live, plain = [], []
    for i in range(PAIRS):
        for mode in ((True, False) if i % 2 == 0 else (False, True)):
            (live if mode else plain).append(run(mode, i))
    print(f"{PAIRS} alternating pairs, 1 ms sampling, {os.path.basename(WORKLOAD)}, glibc, "
          f"1 thread; medians (min-max)")
    print(f"{'':24}{'live line':>26}{'plain lines':>26}")
    for key, what in (("p50", "gap p50 (ms)"), ("p99", "gap p99 (ms)"),
                      ("rate", "samples per second"), ("wall", "wall time (s)"),
                      ("redraws", "redraws of the line")):
        print(f"{what:24}{spread([x[key] for x in live]):>26}{spread([x[key] for x in plain]):>26}")
    diffs = [a["p99"] - b["p99"] for a, b in zip(live, plain)]
    worse = sum(d > 0 for d in diffs)
    w = statistics.median(a["wall"] / b["wall"] for a, b in zip(live, plain))
    print(f"paired p99 gap, live - plain (ms): {' '.join(f'{d:+.1f}' for d in diffs)}; "
          f"live larger in {worse} of {PAIRS} pairs (one-sided sign test p = "
          f"{sum(math.comb(PAIRS, k) for k in range(worse, PAIRS + 1)) / 2 ** PAIRS:.3f})")
    print(f"wall time live / plain: {w:.3f} (median of the pairs)")
    return 1 if PAIRS >= 7 and worse == PAIRS else 0


sys.exit(main())
