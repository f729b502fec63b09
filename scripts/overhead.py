#!/usr/bin/env python3
"""The harness's own cost, measured: observer effect, generator overhead and
sampling resolution. Prints a table and exits 1 when a target is missed.

usage: overhead.py WIMM CHURN_LOOP WORKLOAD_YAML GLIBC_READERS BOOKKEEPING [PAIRS]
       WORKLOAD_YAML: tests/fixtures/bench/churn-work.yaml (churn, no idle)
       GLIBC_READERS: tests/bench/glibc_readers.c, built

- Observer effect: the same cell (1 thread, glibc) sampled every 10 ms with
  the probe, and every 1 ms with the probe, each against a run with neither
  (--no-sample --no-probe: wait4's figures only). Runs alternate, pairs
  share a seed, and the median of the paired ratios is reported with its
  95% interval (order statistics). Targets: wall time and peak RSS within
  1% at 10 ms, within 3% at 1 ms. A median inside the target passes; an
  interval wholly outside it fails; anything else is reported as
  inconclusive (the machine's noise is wider than the target), which is
  neither a pass nor a failure.
- Generator overhead: the churn and stamps generators (1 thread, mimalloc,
  the fastest allocator, so overhead shows most) against CHURN_LOOP, the
  same malloc/free sequence with no bookkeeping. Operations per second of
  the work phase (the worker's own clock) over the loop's. Target >= 0.85.
  The same at 4 threads (churn): the worker's threads also add to the
  shared heap total every 64 KiB they move (SCOREBOARD_FLUSH_BYTES), the
  price of the multi-threaded peak heap. Target >= 0.85.
- The bookkeeping alone (BOOKKEEPING: tests/bench/bookkeeping.c): ns per
  scoreboard_add with peak tracking against the two stores it was before,
  at 1 and 4 threads, printed for the record.
- Sampling resolution: median and p99 gap between samples at 10 ms and
  1 ms, from the 4-thread runs above.
- The glibc probe at 16 threads (churn, a quarter of it, under glibc): how
  many readings a second it takes and what share of the process's CPU
  time its readings took. Targets: at most 1% of the CPU, and at least 10
  readings a second. Then the candidates for reading glibc's figures
  (GLIBC_READERS: mallinfo2 and malloc_info, under load and on a quiet
  heap, at 1, 4 and 16 threads), printed for the record.
"""
import csv
import math
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from taplib import allocator_library, check, finish, run_cells, skip, todo  # noqa: E402

WIMM, LOOP, WORKLOAD, READERS, BOOKKEEPING = sys.argv[1:6]
PAIRS = int(sys.argv[6]) if len(sys.argv) > 6 else 9
HERE = os.path.dirname(os.path.abspath(__file__))
STAMPS = os.path.join(HERE, "..", "workloads", "presets", "stamps.yaml")
# The plain loop and the test programs run outside the driver, which strips
# MALLOC_PERTURB_ from what it measures: they get the same environment by hand.
ENV = {k: v for k, v in os.environ.items() if k != "MALLOC_PERTURB_"}
LOOP_ENV = dict(ENV, LD_PRELOAD=allocator_library("mimalloc"))


def run(workload, threads, allocator, extra, seed):
    cell = run_cells(WIMM, workload, "-t", str(threads), "-a", allocator, "--seed", str(seed),
                     *extra)[0]
    if cell["status"] != "ok":
        sys.exit(f"overhead: a cell failed: {cell['reason']}")
    return cell


def paired(measured, baseline, threads, allocator, workload):
    """Alternating pairs; returns (cells measured, wall ratios, peak RSS ratios)."""
    walls, rsss, cells = [], [], []
    for i in range(PAIRS):
        order = [measured, baseline] if i % 2 == 0 else [baseline, measured]
        got = {tuple(x): run(workload, threads, allocator, x, i) for x in order}
        a, b = got[tuple(measured)], got[tuple(baseline)]
        cells.append(a)
        walls.append(a["wall_s"] / b["wall_s"])
        rsss.append(a["peak_rss_bytes"] / b["peak_rss_bytes"])
    return cells, walls, rsss


def median_interval(xs):
    """The median and its ~95% interval from order statistics: the largest
    k with P(Binomial(n, 1/2) < k) <= 2.5% gives (x[k-1], x[n-k])."""
    xs = sorted(xs)
    n, k, below = len(xs), 0, 0.0
    while True:
        nxt = below + math.comb(n, k) / 2 ** n
        if nxt > 0.025:
            break
        below, k = nxt, k + 1
    k = max(k, 1)
    return statistics.median(xs), xs[k - 1], xs[n - k]


def within(name, ratios, limit):
    med, lo, hi = median_interval(ratios)
    text = (f"{name}: median ratio {med:.4f}, 95% interval {lo:.4f}-{hi:.4f} "
            f"(target within {limit:.0%})")
    if abs(med - 1) <= limit:
        check(True, text)
    elif lo > 1 + limit or hi < 1 - limit:
        check(False, text)
    else:
        skip(text, "inconclusive: the machine's noise is wider than the target")


def gaps(cells):
    g = []
    for c in cells:
        rows = list(csv.DictReader(open(os.path.join(c["run_dir"], c["series"])), delimiter="\t"))
        t = [float(r["t_s"]) for r in rows]
        g += [b - a for a, b in zip(t, t[1:])]
    g.sort()
    return statistics.median(g), g[min(len(g) - 1, int(len(g) * 0.99))]


def observer():
    none = ["--no-sample", "--no-probe"]
    for interval, limit in (("10ms", 0.01), ("1ms", 0.03)):
        _, walls, rsss = paired(["--interval", interval], none, 1, "glibc", WORKLOAD)
        within(f"observer, sampling {interval} + probe vs neither, wall time", walls, limit)
        within(f"observer, sampling {interval} + probe vs neither, peak RSS", rsss, limit)


def resolution():
    for interval in ("10ms", "1ms"):
        cells = [run(WORKLOAD, 4, "glibc", ["--interval", interval], i) for i in range(3)]
        med, p99 = gaps(cells)
        print(f"# sampling at {interval} under 4 threads: median gap {med * 1e3:.3f} ms, "
              f"p99 {p99 * 1e3:.3f} ms")


def loop_ops_per_s(workload, threads):
    p = subprocess.run([LOOP, workload, str(threads)], capture_output=True, text=True,
                       check=True, env=LOOP_ENV)
    return float(p.stdout.split()[5])


def generator(name, workload, threads=1):
    ratios = []
    for i in range(PAIRS):
        order = ["worker", "loop"] if i % 2 == 0 else ["loop", "worker"]
        for what in order:
            if what == "loop":
                loop = loop_ops_per_s(workload, threads)
            else:
                c = run(workload, threads, "mimalloc", ["--no-probe"], i)
                phase = next(p for p in c["phases"] if p["name"] == "work")
                worker = c["ops"] / phase["duration_s"]
        ratios.append(worker / loop)
    r, lo, hi = median_interval(ratios)
    check(r >= 0.85, f"generator {name} ({threads} thread{'s' if threads > 1 else ''}, "
                     f"mimalloc): worker / plain loop ops per second {r:.3f} "
                     f"(95% interval {lo:.3f}-{hi:.3f}; >= 0.85)")


def glibc_probe():
    """The probe under glibc at 16 threads: its readings per second and their
    share of the process's CPU time."""
    rates, shares, cpus = [], [], []
    for i in range(3):
        c = run(WORKLOAD, 16, "glibc", ["--scale", "0.25"], i)
        phase = next(p for p in c["phases"] if p["name"] == "work")
        reads, cpu = c["probe_reads"] or 0, c["probe_cpu_mean_us"] or 0
        rates.append(reads / c["wall_s"])
        shares.append(reads * cpu * 1e-6 / (c["user_s"] + c["sys_s"]))
        cpus.append(cpu)
        print(f"# glibc probe, 16 threads: {reads} readings in {c['wall_s']:.2f} s (work phase "
              f"{phase['duration_s']:.2f} s), {cpu:.0f} us CPU and "
              f"{c['probe_cost_mean_us'] or 0:.0f} us wall each")
    share, rate = statistics.median(shares), statistics.median(rates)
    check(share <= 0.01, f"glibc probe at 16 threads: its readings took {share:.2%} of the "
                         f"process's CPU time (median of 3; <= 1%)")
    text = (f"glibc probe at 16 threads: {rate:.1f} readings a second (median of 3; >= 10), "
            f"{statistics.median(cpus) / 1e3:.1f} ms of CPU each")
    if rate >= 10:
        check(True, text)
    else:
        # Not a pass, and not hidden: TAP's TODO marks a known unmet target.
        todo(text, "every glibc statistics call walks each arena's free chunks under its "
             "lock; at this cost the 1% budget allows fewer readings")


def bookkeeping():
    print("# bookkeeping per scoreboard_add, median thread, 5 runs each (tests/bench/"
          "bookkeeping.c):")
    for threads in (1, 4):
        plain, tracked = [], []
        for _ in range(5):
            f = subprocess.run([BOOKKEEPING, str(threads), str(20000000 // threads)],
                               capture_output=True, text=True, check=True).stdout.split()
            plain.append(float(f[3]))
            tracked.append(float(f[5]))
        print(f"#   {threads} thread(s): {statistics.median(plain):.2f} ns without peak "
              f"tracking, {statistics.median(tracked):.2f} ns with it")


def glibc_candidates():
    print("# reading glibc's figures (tests/bench/glibc_readers.c, reader every 100 ms):")
    for threads, ops in ((1, 2000000), (4, 500000), (16, 150000)):
        for mode in ("none", "mallinfo2", "malloc_info"):
            p = subprocess.run([READERS, str(threads), str(ops), mode, "100"],
                               capture_output=True, text=True, check=True, env=ENV)
            print("#   " + p.stdout.strip())


observer()
resolution()
generator("churn", WORKLOAD)
generator("stamps", STAMPS)
generator("churn", WORKLOAD, threads=4)
bookkeeping()
glibc_probe()
glibc_candidates()
finish()
