#!/usr/bin/env python3
"""Integration test: the real driver runs a small churn workload under every
installed allocator, and the files it writes must say what really happened.

usage: integration.py WIMM SMALL_CHURN_YAML EXPECTED_ALLOCATORS(comma list)
Prints TAP.
"""
import csv
import json
import os
import sys
import tempfile

from taplib import check, driver, finish, skip

WIMM, WORKLOAD, EXPECTED = sys.argv[1], sys.argv[2], [a for a in sys.argv[3].split(",") if a]
LIVE, BLOCK, OPS = 1000, 4096, 20000  # from small-churn.yaml
# An ASan build cannot preload another allocator (or the probe): only glibc
# runs, and malloc is the sanitizer's (meson test --setup asan sets this).
ASAN = os.environ.get("WIMM_UNDER_SANITIZER") == "1"
NO_PRELOAD = ("ASan build: another allocator or the probe cannot be preloaded "
              "(the ASan runtime must come first)")

wimm = driver(WIMM, timeout=600)


def main():
    out = tempfile.mkdtemp(prefix="wimm-it-")
    r = wimm("run", WORKLOAD, "-a", "glibc" if ASAN else "all", "--out", out, "--seed", "1",
             env={"MALLOC_PERTURB_": "165"})  # as meson test does
    if not check(r.returncode == 0, f"wimm run exits 0 (got {r.returncode}: {r.stderr[-500:]})"):
        return
    run_dir = os.path.realpath(os.path.join(out, "latest"))
    check(os.path.isdir(run_dir) and "/runs/" in run_dir, f"latest points to a run: {run_dir}")
    meta = json.load(open(os.path.join(run_dir, "meta.json")))
    summary = json.load(open(os.path.join(run_dir, "summary.json")))
    check(meta["seed"] == 1, "meta.json records the seed")
    check("MALLOC_PERTURB_" in meta["env_removed"], "meta.json says MALLOC_PERTURB_ was removed")
    check(summary["complete"] is True, "summary.json says the run is complete")
    cells = list(csv.DictReader(open(os.path.join(run_dir, "cells.csv"))))
    paths = {a["name"]: a["path"] for a in meta["allocators"]}
    ran = sorted(set(c["allocator"] for c in cells))
    for name in ["glibc"] + EXPECTED:
        if ASAN and name != "glibc":
            skip(f"{name} ran (found at build time)", NO_PRELOAD)
            continue
        check(name in ran, f"{name} ran (found at build time)")
    check(len(cells) == 2 * len(ran), f"{len(cells)} cells = 2 thread counts x {len(ran)} allocators")
    ops = {}
    for c in cells:
        tag = f"{c['allocator']} t={c['threads']}"
        check(c["status"] == "ok", f"{tag}: status ok ({c['reason']})")
        owner = os.path.realpath(c["malloc_owner"])
        want = paths.get(c["allocator"]) or ""
        if want:
            check(owner == os.path.realpath(want), f"{tag}: malloc owner {owner} is {want}")
        elif ASAN:
            check(c["malloc_owner"] != "", f"{tag}: malloc owner {owner} (the ASan runtime)")
        else:
            check("libc.so" in owner, f"{tag}: malloc owner {owner} is the C library")
        series = os.path.join(run_dir, "series",
                              f"{c['workload']}-t{c['threads']}-{c['allocator']}-r{c['rep']}.tsv")
        rows = open(series).read().splitlines() if os.path.exists(series) else []
        check(len(rows) > 2 and rows[0].startswith("t_s\trss_bytes\theap_bytes"),
              f"{tag}: series has {max(len(rows) - 1, 0)} rows")
        want_heap = int(c["threads"]) * LIVE * BLOCK
        check(int(c["peak_heap_bytes"]) == want_heap,
              f"{tag}: peak heap {c['peak_heap_bytes']} == {want_heap}")
        check(int(c["peak_rss_bytes"]) >= int(c["peak_heap_bytes"]),
              f"{tag}: peak RSS {c['peak_rss_bytes']} >= peak heap")
        # Exact with one thread; with several, within threads x 64 KiB.
        err = int(c["peak_heap_error_bytes"])
        bound = 0 if c["threads"] == "1" else int(c["threads"]) * 64 * 1024
        check(0 <= err <= bound, f"{tag}: peak heap error {err} within {bound}")
        # The true peak is never below an RSS wimm saw.
        seen = max(int(c["sampled_peak_rss_bytes"] or 0), int(c["final_rss_bytes"] or 0))
        check(int(c["peak_rss_bytes"]) >= seen,
              f"{tag}: peak RSS {c['peak_rss_bytes']} >= every RSS seen ({seen})")
        ops.setdefault(c["threads"], set()).add(int(c["ops"]))
    for t, values in sorted(ops.items()):
        want = int(t) * (2 * LIVE + 2 * OPS)
        check(values == {want}, f"t={t}: every allocator did {want} operations ({sorted(values)})")

    # Bad input: exit 2, a clear message, nothing run.
    r = wimm("run", WORKLOAD, "-a", "nosuch", "--out", out)
    check(r.returncode == 2 and "unknown allocator 'nosuch'" in r.stderr,
          f"unknown allocator: exit {r.returncode}, {r.stderr.strip()[:120]}")
    r = wimm("run", WORKLOAD, "--allocator", "ghost=/nonexistent/libghost.so", "--out", out)
    check(r.returncode == 2 and "not found" in r.stderr,
          f"missing allocator library: exit {r.returncode}, {r.stderr.strip()[:120]}")
    bad = os.path.join(out, "bad.yaml")
    with open(bad, "w") as f:
        f.write("name: x\ndescription: y\nthreads: [1]\nphases:\n  - name: w\n"
                "    generator: churn\n    ops: lots\n    live: 10\n    sizes: [{size: 1 KiB}]\n")
    r = wimm("run", bad, "--out", out)
    check(r.returncode == 2 and f"{bad}:7:10" in r.stderr and "ops" in r.stderr,
          f"bad YAML: exit {r.returncode}, {r.stderr.strip()[:160]}")
    r = wimm("run", "--bogus")
    check(r.returncode == 2 and "--bogus" in r.stderr, f"unknown option: exit {r.returncode}")
    runs = os.listdir(os.path.join(out, "runs"))
    check(len(runs) == 1, f"failed starts wrote no run directory ({len(runs)} runs)")
    r = wimm("--version")
    check(r.returncode == 0 and r.stdout.startswith("wimm "), "--version")
    r = wimm("run", "--help")
    check(r.returncode == 0 and "Exit:" in r.stdout, "run --help documents exit codes")


main()
finish()
