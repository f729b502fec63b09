#!/usr/bin/env python3
"""A small matrix run whole and in three shards (`wimm run --shard K/3`),
the shards put back together with `wimm merge`: the merged run has the same
cells as the whole one (every key once, each series copied whole), the same
figures and groups, reads as a complete run that `wimm compare` judges in
full against the whole run and the whole run against it. Then the
refusals: a shard given twice, runs of other allocators or of no deal, and
a missing shard (merged, but incomplete).

usage: merge.py WIMM WORKLOAD_YAML
Prints TAP.
"""
import csv
import json
import os
import sys
import tempfile

from taplib import check, driver, finish

WIMM, WORKLOAD = sys.argv[1:3]
wimm = driver(WIMM, timeout=300)
ALLOCS = ["-a", "glibc", "-a", "glibc:MALLOC_ARENA_MAX=1"]
COMMON = [WORKLOAD, *ALLOCS, "-r", "3", "--seed", "11", "--quick"]


def run(*args):
    out = tempfile.mkdtemp(prefix="wimm-merge-")
    r = wimm("run", *COMMON, *args, "--out", out)
    return r, os.path.realpath(os.path.join(out, "latest"))


def keys(run_dir):
    with open(os.path.join(run_dir, "cells.csv")) as f:
        return sorted((c["workload"], c["threads"], c["allocator"], c["rep"])
                      for c in csv.DictReader(f))


def summary(run_dir):
    return json.load(open(os.path.join(run_dir, "summary.json")))


def figures(run_dir):
    plots = os.path.join(run_dir, "plots")
    return sorted(f for f in os.listdir(plots) if f.endswith(".png")) if os.path.isdir(plots) \
        else []


def merge(*runs, extra=()):
    out = tempfile.mkdtemp(prefix="wimm-merged-")
    r = wimm("merge", *runs, "--out", out, *extra)
    latest = os.path.join(out, "latest")
    return r, os.path.realpath(latest) if os.path.exists(latest) else None


def main():
    r, whole = run()
    check(r.returncode == 0, f"the whole run (exit {r.returncode}) {r.stderr.strip()[-200:]}")
    shards = []
    for k in (1, 2, 3):
        r, d = run("--shard", f"{k}/3")
        meta = json.load(open(os.path.join(d, "meta.json")))
        check(r.returncode == 0 and meta["shard"]["index"] == k and meta["shard"]["count"] == 3,
              f"shard {k}/3 runs and says so in meta.json (exit {r.returncode})")
        shards.append(d)
    parts = [keys(d) for d in shards]
    check(all(parts) and sum(len(p) for p in parts) == len(keys(whole))
          and len(set(k for p in parts for k in p)) == len(keys(whole)),
          f"the shards share the cells out, none twice: {[len(p) for p in parts]} of "
          f"{len(keys(whole))}")
    units = [sorted({(w, t, rep) for w, t, a, rep in p}) for p in parts]
    check(all(len({a for w, t, a, rep in p}) == 2 for p in parts)
          and all(len(p) == 2 * len(u) for p, u in zip(parts, units)),
          "every unit (workload, threads, rep) runs with every allocator in one shard")
    plans = {json.load(open(os.path.join(d, "meta.json")))["shard"]["plan"] for d in shards}
    check(len(plans) == 1, f"the shards agree on the deal's fingerprint: {plans}")

    r, merged = merge(*shards)
    check(r.returncode == 0 and merged, f"merge of the three shards: exit {r.returncode} "
          f"{r.stderr.strip()[-300:]}")
    if not merged:
        return
    check(keys(merged) == keys(whole), "the merged run has the whole run's cells")
    s, w = summary(merged), summary(whole)
    check(s["complete"] is True and s["cells_not_run"] == 0,
          "the merged run is complete, no cell missing")
    check(len(s["groups"]) == len(w["groups"]) and all(g["reps_ok"] == 3 for g in s["groups"]),
          f"{len(s['groups'])} groups of 3 repetitions each, as the whole run's")
    copied = True
    for c in s["cells"]:
        src = [d for d in shards if os.path.exists(os.path.join(d, c["series"] or "-"))]
        copied &= bool(src) and open(os.path.join(merged, c["series"]), "rb").read() == \
            open(os.path.join(src[0], c["series"]), "rb").read()
        copied &= bool(c["phases"])
    check(copied, "each cell's series is copied whole, its phases kept")
    check(figures(merged) == figures(whole) and figures(whole),
          f"the same figures: {figures(merged)}")
    meta = json.load(open(os.path.join(merged, "meta.json")))
    check(meta["shard"] is None and len(meta["merged_from"]) == 3,
          "meta.json: not a shard, made from three runs")
    for base, new, what in ((whole, merged, "whole vs merged"), (merged, whole,
                                                                  "merged vs whole")):
        r = wimm("compare", base, new)
        check(r.returncode in (0, 1), f"compare {what}: comparable and complete "
              f"(exit {r.returncode}) {r.stderr.strip()[-200:]}")

    r, d = merge(shards[0], shards[0])
    check(r.returncode == 2 and d is None and "both shard 1 of 3" in r.stderr,
          f"a shard given twice is refused: {r.stderr.strip()[-200:]}")
    r, other = run("--shard", "1/2")
    r, d = merge(shards[0], other)
    check(r.returncode == 2 and d is None and "not shards of one deal" in r.stderr,
          f"a shard of another deal is refused: {r.stderr.strip()[-200:]}")
    out = tempfile.mkdtemp(prefix="wimm-merge-")
    wimm("run", WORKLOAD, "-a", "glibc", "-r", "3", "--seed", "11", "--quick", "--shard", "2/3",
         "--out", out)
    r, d = merge(shards[0], os.path.join(out, "latest"))
    check(r.returncode == 2 and d is None and "ran the allocators" in r.stderr,
          f"runs of other allocators are refused, naming them: {r.stderr.strip()[-200:]}")
    r, again = run()
    r, d = merge(whole, again)
    check(r.returncode == 2 and d is None and "is in" in r.stderr and "and in" in r.stderr,
          f"runs that share cells are refused: {r.stderr.strip()[-300:]}")
    r, d = merge(whole, again, extra=["--force"])
    check(r.returncode == 0 and d is not None and keys(d) == keys(whole) and "the first is kept" in r.stderr,
          f"--force merges them, each cell once (exit {r.returncode})")
    r, d = merge(shards[0], shards[2])
    s = summary(d) if d else {}
    check(r.returncode == 1 and s.get("complete") is False
          and s.get("cells_not_run") == len(parts[1]),
          f"a missing shard: merged, incomplete, {len(parts[1])} cells not run "
          f"(exit {r.returncode}, {s.get('cells_not_run')})")


main()
finish()
