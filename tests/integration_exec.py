#!/usr/bin/env python3
"""Integration test of `wimm exec`: a small C program under every installed
allocator. Checks the malloc owner, the series, the saved output, the exit
status of a failing run, and the heap seen through the probe.

usage: integration_exec.py WIMM EXEC_TARGET EXPECTED_ALLOCATORS(comma list)
Prints TAP.
"""
import csv
import json
import os
import sys
import tempfile

from taplib import check, driver, finish, skip

WIMM, TARGET, EXPECTED = sys.argv[1], sys.argv[2], [a for a in sys.argv[3].split(",") if a]
HELD = 8192 * 4096  # what exec_target holds
# An ASan build cannot preload another allocator or the probe: only glibc
# runs, with no owner or heap from the probe (meson test --setup asan).
ASAN = os.environ.get("WIMM_UNDER_SANITIZER") == "1"
NO_PRELOAD = ("ASan build: another allocator or the probe cannot be preloaded "
              "(the ASan runtime must come first)")
if ASAN:
    SKIPPED, EXPECTED = EXPECTED, []
else:
    SKIPPED = []
# meson test --setup valgrind: the driver itself runs under valgrind.
wimm = driver(WIMM, timeout=600)


def main():
    out = tempfile.mkdtemp(prefix="wimm-exec-")
    r = wimm("exec", "-a", ",".join(["glibc"] + EXPECTED), "--out", out, "--seed", "3", "--",
             TARGET)
    if not check(r.returncode == 0, f"wimm exec exits 0 (got {r.returncode}: {r.stderr[-300:]})"):
        return
    run = os.path.realpath(os.path.join(out, "latest"))
    meta = json.load(open(os.path.join(run, "meta.json")))
    paths = {a["name"]: a["path"] for a in meta["allocators"]}
    cells = list(csv.DictReader(open(os.path.join(run, "cells.csv"))))
    check(sorted(c["allocator"] for c in cells) == sorted(["glibc"] + EXPECTED),
          f"one run per allocator: {[c['allocator'] for c in cells]}")
    for a in SKIPPED:
        skip(f"{a}: runs under wimm exec", NO_PRELOAD)
    for c in cells:
        a = c["allocator"]
        owner = os.path.realpath(c["malloc_owner"]) if c["malloc_owner"] else ""
        want = os.path.realpath(paths[a]) if paths.get(a) else None
        if ASAN:
            skip(f"{a}: malloc owner", "ASan build: no probe to report it")
        else:
            check(owner == want if want else "libc.so" in owner, f"{a}: malloc owner {owner}")
        check(c["status"] == "ok" and c["exit_status"] == "0", f"{a}: status ok, exit 0")
        check(c["workload"] == "exec_target" and c["threads"] == "", f"{a}: named after the command")
        series = os.path.join(run, "series", f"exec_target-{a}-r1.tsv")
        rows = open(series).read().splitlines() if os.path.exists(series) else []
        check(len(rows) > 10, f"{a}: series has {len(rows) - 1} rows")
        stdout = open(os.path.join(run, "output", f"exec_target-{a}-r1.stdout")).read()
        stderr = open(os.path.join(run, "output", f"exec_target-{a}-r1.stderr")).read()
        check(stdout.startswith("exec_target: checksum"), f"{a}: stdout saved")
        check(stderr == "exec_target: done\n", f"{a}: stderr saved")
        heap = int(c["peak_heap_bytes"] or -1)
        if ASAN:
            skip(f"{a}: heap from the allocator", "ASan build: no probe, so no heap figure")
        elif c["probe"] == "mimalloc":
            check(heap == -1, f"{a}: mimalloc reports no in-use figure, so heap is n/a ({heap})")
        else:
            check(HELD <= heap <= 1.5 * HELD, f"{a}: heap from the allocator {heap} ~ {HELD}")
        check(int(c["peak_rss_bytes"]) >= HELD, f"{a}: peak RSS {c['peak_rss_bytes']} >= {HELD}")
        check(c["ops"] == "" and c["extra_ops"] == "",
              f"{a}: a real program's calls are not counted: ops n/a ({c['ops']!r}, "
              f"{c['extra_ops']!r})")
        # The last row is the probe's reading at exit, after the frees: the
        # heap does not stay at the last clocked reading.
        last = dict(zip(rows[0].split("\t"), rows[-1].split("\t"))) if rows else {}
        if ASAN or c["probe"] == "mimalloc":
            skip(f"{a}: heap at exit", "no in-use figure from the allocator")
        else:
            check(last.get("heap_bytes", "") != "" and int(last["heap_bytes"]) < HELD // 8,
                  f"{a}: the series ends with the heap at exit ({last.get('heap_bytes')}), "
                  f"not the {HELD} held before")

    r = wimm("exec", "-a", "glibc", "--out", out, "--", TARGET, "7")
    cells = list(csv.DictReader(open(os.path.join(out, "latest", "cells.csv"))))
    check(r.returncode == 1 and cells[0]["status"] == "failed" and cells[0]["exit_status"] == "7"
          and "exit status 7" in cells[0]["reason"],
          f"a run exiting 7 is a failed cell with its status (exit {r.returncode}, {cells[0]['reason']})")
    r = wimm("exec", "--out", out, "--", "no-such-command-xyz")
    check(r.returncode == 2 and "no-such-command-xyz" in r.stderr, "unknown command: exit 2")
    r = wimm("exec", "--help")
    check(r.returncode == 0 and "Every process it starts is followed" in r.stdout
          and "--root-only" in r.stdout,
          "--help says every process it starts is followed, and how to measure only the first")


main()
finish()
