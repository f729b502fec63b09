#!/usr/bin/env python3
"""Every shipped preset, small, under every installed allocator: at every
sample of every series, RSS's parts add up to its RSS exactly, and the
parts in cells.csv (at the sampled peak and at the end) add up to the RSS
of that instant. Checked here from the files, not by wimm's own code.

usage: split_presets.py WIMM
Prints TAP.
"""
import csv
import glob
import os
import sys
import tempfile

from taplib import check, driver, finish, skip

WIMM = sys.argv[1]
PARTS = ["rss_file_bytes", "part_heap_bytes", "part_unused_bytes", "part_foreign_bytes",
         "part_unsplit_bytes"]
CELL_PARTS = ["part_file_bytes", "part_heap_bytes", "part_unused_bytes", "part_foreign_bytes",
              "part_unsplit_bytes"]


def num(v):
    return int(v) if v not in ("", None) else 0


def check_series(path):
    """(rows, rows whose parts do not add up, the first such row)."""
    rows = bad = 0
    first = None
    with open(path) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            rows += 1
            total = sum(num(row[k]) for k in PARTS)
            if total != num(row["rss_bytes"]) or any(num(row[k]) < 0 for k in PARTS):
                bad += 1
                first = first or row
    return rows, bad, first


def main():
    if os.environ.get("WIMM_UNDER_SANITIZER") == "1":
        skip("every preset's parts add up", "ASan build: allocators cannot be preloaded")
        return
    wimm = driver(WIMM, timeout=900)
    out = tempfile.mkdtemp(prefix="wimm-split-")
    r = wimm("run", "--quick", "--scale", "0.2", "--idle", "100ms", "-t", "2", "-a", "all",
             "--out", out, "--seed", "1")
    if not check(r.returncode == 0, f"every preset runs (exit {r.returncode}: {r.stderr[-400:]})"):
        return
    run_dir = os.path.realpath(os.path.join(out, "latest"))
    files = sorted(glob.glob(os.path.join(run_dir, "series", "*.tsv")))
    cells = list(csv.DictReader(open(os.path.join(run_dir, "cells.csv"))))
    workloads = sorted({c["workload"] for c in cells})
    check(len(workloads) >= 9, f"{len(workloads)} presets ran: {', '.join(workloads)}")
    check(len(files) == len(cells), f"a series for each of the {len(cells)} cells")
    total = 0
    for path in files:
        rows, bad, first = check_series(path)
        total += rows
        check(rows > 0 and bad == 0,
              f"{os.path.basename(path)}: {rows} samples, {bad} whose parts do not add up "
              f"to RSS{': ' + str(first) if first else ''}")
    check(total > 0, f"{total} samples checked")
    for c in cells:
        tag = f"{c['workload']} {c['allocator']}"
        for at, rss in (("peak", "sampled_peak_rss_bytes"), ("end", "final_rss_bytes")):
            parts = sum(num(c[f"{at}_{k}"]) for k in CELL_PARTS)
            check(parts == num(c[rss]),
                  f"{tag}: the parts at the {at} add up to its RSS ({parts} = {c[rss]})")
        we = num(c["work_end_rss_bytes"])
        if we:
            parts = sum(num(c[f"work_end_{k}"]) for k in CELL_PARTS)
            check(parts == we, f"{tag}: the parts at the work's end add up ({parts} = {we})")


main()
finish()
