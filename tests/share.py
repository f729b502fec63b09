#!/usr/bin/env python3
"""The sharing story under `wimm exec` (workloads/share/share.c): a parent
fills a 200 MiB buffer and forks 3 workers that read all of it; the sum of
RSS counts the buffer 4 times (about 800 MiB), PSS once (about 200 MiB plus
the processes' own memory), each within 5%; then each worker in turn writes
a quarter of its copy, and PSS grows by about that quarter (50 MiB) per
writer while the sum of RSS stays. Each figure is the median of the tree's
readings inside the phase, whose start the program prints.

usage: share.py WIMM WIMM_SHARE
Prints TAP.
"""
import csv
import json
import os
import statistics
import sys
import tempfile

from taplib import check, driver, finish

WIMM, SHARE = sys.argv[1:3]
MIB = 1 << 20
SIZE, WORKERS, HOLD = 200 * MIB, 3, 4.0
wimm = driver(WIMM, timeout=600)


def main():
    out = tempfile.mkdtemp(prefix="wimm-share-")
    r = wimm("exec", "-a", "glibc", "--out", out, "--name", "share", "--", SHARE, "--size",
             "200 MiB", "--workers", str(WORKERS), "--hold", f"{HOLD}s")
    if not check(r.returncode == 0, f"wimm exec exits 0 (got {r.returncode}: {r.stderr[-400:]})"):
        return
    run = os.path.realpath(os.path.join(out, "latest"))
    phases = {}
    with open(os.path.join(run, "output", "share-glibc-r1.stdout")) as f:
        for line in f:
            t, _, name = line.split()
            phases[name] = float(t[2:])
    order = ["start", "fill", "read"] + [f"write{k}" for k in range(1, WORKERS + 1)] + ["end"]
    if not check(list(phases) == order, f"the program's phases: {list(phases)}"):
        return
    with open(os.path.join(run, "procs", "share-glibc-r1", "tree.tsv")) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))

    def within(name, key):
        """Median of key over the phase's hold (its first 10% left out: a
        reading may have been under way as the phase began)."""
        a = phases[name]
        b = min(phases[order[order.index(name) + 1]], a + (HOLD / 2 if name == "start" else HOLD))
        a += 0.1 * (b - a)
        v = [int(r[key]) for r in rows if a <= float(r["t_s"]) < b and r[key]]
        check(v, f"{name}: {len(v)} readings of {key} in {a:.2f}-{b:.2f} s")
        return statistics.median(v) if v else float("nan")

    own_rss, own_pss = within("start", "rss_sum_bytes"), within("start", "pss_sum_bytes")
    n = WORKERS + 1
    rss, pss = within("read", "rss_sum_bytes"), within("read", "pss_sum_bytes")
    want = n * SIZE
    check(abs(rss - want) <= 0.05 * want,
          f"read: sum of RSS {rss / MIB:.1f} MiB, about {n} x 200 MiB = {want / MIB:.0f} MiB "
          f"({(rss - want) / want:+.1%})")
    want = SIZE + n * own_pss
    check(abs(pss - want) <= 0.05 * want,
          f"read: PSS {pss / MIB:.1f} MiB, about 200 MiB + {n} x its own "
          f"{own_pss / MIB:.1f} MiB = {want / MIB:.1f} MiB ({(pss - want) / want:+.1%})")
    unshared = within("read", "unshared_sum_bytes")
    check(unshared > 0.9 * rss, f"read: RSS minus shared {unshared / MIB:.1f} MiB counts the "
          "copy-on-write buffer once per process too (statm's shared is file pages only)")
    quarter = SIZE // 4
    for k in range(1, WORKERS + 1):
        p = within(f"write{k}", "pss_sum_bytes")
        grow = p - pss
        check(abs(grow - k * quarter) <= 0.05 * k * quarter,
              f"after {k} writer(s): PSS grew {grow / MIB:.1f} MiB, about {k} x 50 MiB "
              f"({(grow - k * quarter) / (k * quarter):+.1%})")
        s = within(f"write{k}", "rss_sum_bytes")
        check(abs(s - rss) <= 0.01 * rss,
              f"after {k} writer(s): sum of RSS {s / MIB:.1f} MiB, as before the writes")
    with open(os.path.join(run, "procs", "share-glibc-r1", "procs.tsv")) as f:
        procs = list(csv.DictReader(f, delimiter="\t"))
    for p in procs:
        # Forked without exec: each worker's own probe thread (the heap it
        # inherited counts in each one's view).
        in_use = int(p["peak_alloc_in_use_bytes"] or -1)
        check(p["probe"] == "glibc" and SIZE <= in_use <= SIZE + 4 * MIB,
              f"pid {p['pid']} reports its own allocator view: {in_use} bytes in use")
    cells = json.load(open(os.path.join(run, "summary.json")))["cells"]
    c = cells[0]
    check(c["procs"] == n and c["pss_interval_s"] >= 0.1 and c["pss_cost_us"] > 0,
          f"{c['procs']} processes; PSS read every {c['pss_interval_s']:.3f} s, "
          f"{c['pss_cost_us']:.0f} us a reading (at most every 100 ms)")
    check(abs(c["tree_peak_pss_bytes"] - (SIZE + 3 * quarter)) <= 0.05 * SIZE,
          f"the tree's peak PSS {c['tree_peak_pss_bytes'] / MIB:.1f} MiB: the buffer and "
          "the three quarters written")
    print(f"# own RSS at start {own_rss / MIB:.1f} MiB, PSS {own_pss / MIB:.1f} MiB")


main()
finish()
