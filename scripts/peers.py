#!/usr/bin/env python3
"""wimm's presets against the real programs they model.

usage: peers.py WIMM OUT_DIR
       peers.py --report OUT_DIR/peers.json    (the table and checks again)

For larson, xmalloc-test and glibc's bench-malloc-thread (as mimalloc-bench
runs them, 2 threads), runs the real program under every base allocator
(`wimm exec`) and wimm's preset (`wimm run`), alternating in rounds, and
compares CPU time per operation relative to glibc in the same run, and
peak RSS. Medians over the rounds; the spread is min..max.

Checks, per program: the allocators come in the same order on time and on
peak RSS (a pair the real program does not separate, its rounds
overlapping, is a tie and either order passes; the table says so); each
time ratio is within 15% of the real one.

The real programs are not part of wimm: build them from their published
sources (mimalloc-bench's bench/larson/larson.cpp, bench/xmalloc-test/,
bench/glibc-bench/bench-malloc-thread.c) into one directory and name it in
WIMM_PEERS_DIR (files larson, xmalloc-test, glibc-thread). Without it the
benchmark is skipped (exit 77). WIMM_PEERS_ROUNDS sets the rounds
(default 5). Registered as `meson test --benchmark --suite peers`.
Writes OUT_DIR/peers.md (the table) and peers.json (every figure).
"""
import csv
import json
import os
import re
import statistics
import subprocess
import sys

SKIP = 77
ALLOCS = ["glibc", "jemalloc", "tcmalloc", "mimalloc"]
TOLERANCE = 0.15


def ops_larson(out):
    # "Throughput = N operations per second", over the 5 s it ran.
    return float(re.search(r"Throughput =\s*([0-9.]+)", out).group(1)) * 5


def ops_xmalloc(out):
    # "rtime: R, free/sec: F M", over the 5 s it ran.
    return float(re.search(r"free/sec: ([0-9.]+) M", out).group(1)) * 1e6 * 5


def ops_glibc_thread(out):
    return float(re.search(r"(\d+) iterations", out).group(1))


# (name, file in WIMM_PEERS_DIR, its arguments (mimalloc-bench's, 2 threads),
#  wimm's preset, how to read the operations it did from its stdout)
PEERS = [
    ("larson", "larson", ["5", "8", "1000", "5000", "100", "4141", "2"], "larson", ops_larson),
    ("xmalloc-test", "xmalloc-test", ["-w", "2", "-t", "5", "-s", "64"], "xmalloc-test",
     ops_xmalloc),
    ("glibc-thread", "glibc-thread", ["2"], "malloc-thread", ops_glibc_thread),
]


def wimm_cmd(wimm, args, out):
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_PERTURB_"}
    p = subprocess.run([wimm] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=env)
    if p.returncode != 0:
        sys.exit(f"peers: wimm {' '.join(args)} exited {p.returncode}:\n{p.stderr[-2000:]}")
    return os.path.realpath(os.path.join(out, "latest"))


def cells(run_dir):
    with open(os.path.join(run_dir, "cells.csv")) as f:
        return {row["allocator"]: row for row in csv.DictReader(f)}


def measure_real(wimm, out, name, path, args, ops_of, seed):
    run = wimm_cmd(wimm, ["exec", "-a", ",".join(ALLOCS), "--seed", str(seed), "--name", name,
                          "--out", out, "--", path] + args, out)
    got = {}
    for a, c in cells(run).items():
        text = open(os.path.join(run, "output", f"{name}-{a}-r1.stdout")).read()
        got[a] = (float(c["user_s"]) + float(c["sys_s"])) / ops_of(text), int(c["peak_rss_bytes"])
    return got


def measure_wimm(wimm, out, preset, seed):
    run = wimm_cmd(wimm, ["run", preset, "-t", "2", "-a", ",".join(ALLOCS), "--seed", str(seed),
                          "--out", out], out)
    got = {}
    for a, c in cells(run).items():
        ops = int(c["ops"]) + int(c["extra_ops"] or 0)
        got[a] = (float(c["user_s"]) + float(c["sys_s"])) / ops, int(c["peak_rss_bytes"])
    return got


def order_ok(real, wimm):
    """Pairs the real rounds separate must come in the same order in wimm's
    medians. real and wimm: allocator -> list of values over rounds.
    Returns the pairs reversed, and the ties (pairs the real rounds do not
    separate) whose medians wimm orders the other way."""
    bad, ties = [], []
    for i, a in enumerate(ALLOCS):
        for b in ALLOCS[i + 1:]:
            ra, rb = real[a], real[b]
            ma, mb = statistics.median(wimm[a]), statistics.median(wimm[b])
            if max(ra) < min(rb) or max(rb) < min(ra):
                want = -1 if max(ra) < min(rb) else 1
                if (ma - mb) * want <= 0:
                    bad.append(f"{a} {'<' if want < 0 else '>'} {b}")
            elif (statistics.median(ra) - statistics.median(rb)) * (ma - mb) < 0:
                ties.append(f"{a}/{b}")
    return bad, ties


def by_median(values):
    return " < ".join(sorted(ALLOCS, key=lambda a: statistics.median(values[a])))


def measure(wimm, out, peers_dir, rounds):
    """name -> side -> allocator -> [(CPU per op relative to glibc, peak RSS)]"""
    data = {p[0]: {"real": {a: [] for a in ALLOCS}, "wimm": {a: [] for a in ALLOCS}}
            for p in PEERS}
    for r in range(rounds):
        for k in range(len(PEERS)):
            name, exe, args, preset, ops_of = PEERS[(r + k) % len(PEERS)]
            sides = ["real", "wimm"] if r % 2 == 0 else ["wimm", "real"]
            for side in sides:
                got = (measure_real(wimm, out, name, os.path.join(peers_dir, exe), args, ops_of,
                                    r + 1)
                       if side == "real" else measure_wimm(wimm, out, preset, r + 1))
                for a in ALLOCS:
                    data[name][side][a].append((got[a][0] / got["glibc"][0], got[a][1]))
            print(f"# round {r + 1}/{rounds} {name}: " + "; ".join(
                f"{side} " + " ".join(f"{a} {data[name][side][a][-1][0]:.2f}x/"
                                      f"{data[name][side][a][-1][1] / 2**20:.1f}M" for a in ALLOCS)
                for side in ("real", "wimm")), flush=True)
    return data


def report(data, rounds, out):
    """Prints the table and the checks, writes peers.md; 0 or 1."""
    results, table = [], []
    table.append("| program / preset | allocator | CPU/op vs glibc, real | wimm | wimm / real "
                 "| peak RSS, real | wimm |")
    table.append("|---|---|---|---|---|---|---|")
    for name, _, _, preset, _ in PEERS:
        d = data[name]
        t = {s: {a: [x[0] for x in d[s][a]] for a in ALLOCS} for s in d}
        m = {s: {a: [x[1] for x in d[s][a]] for a in ALLOCS} for s in d}
        for a in ALLOCS:
            rt, wt = statistics.median(t["real"][a]), statistics.median(t["wimm"][a])
            rm, wm = statistics.median(m["real"][a]), statistics.median(m["wimm"][a])
            table.append(
                f"| {name} / {preset} | {a} | {rt:.2f} ({min(t['real'][a]):.2f}-"
                f"{max(t['real'][a]):.2f}) | {wt:.2f} ({min(t['wimm'][a]):.2f}-"
                f"{max(t['wimm'][a]):.2f}) | {wt / rt:.2f} | {rm / 2**20:.1f} MiB | "
                f"{wm / 2**20:.1f} MiB |")
            if a != "glibc":
                results.append((abs(wt / rt - 1) <= TOLERANCE,
                                f"{name}: {a} CPU/op vs glibc {wt:.2f} within 15% of the real "
                                f"{rt:.2f} ({wt / rt - 1:+.0%})"))
        for what, v in (("time", t), ("peak RSS", m)):
            bad, ties = order_ok(v["real"], v["wimm"])
            note = (f"; reversed: {', '.join(bad)}" if bad else
                    f"; the same but for ties the real rounds do not separate: {', '.join(ties)}"
                    if ties else "; the same")
            results.append((not bad, f"{name}: {what} order, real {by_median(v['real'])}, wimm "
                                     f"{by_median(v['wimm'])}{note}"))
    md = "\n".join(table) + "\n"
    if out:
        open(os.path.join(out, "peers.md"), "w").write(md)
    print(md)
    for n, (ok, text) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {n} - {text}")
    failed = sum(not ok for ok, _ in results)
    print(f"{len(results) - failed} passed, {failed} failed ({rounds} rounds)")
    return 1 if failed else 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--report":
        saved = json.load(open(sys.argv[2]))
        return report(saved["data"], saved["rounds"], None)
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    wimm, out = sys.argv[1:]
    peers_dir = os.environ.get("WIMM_PEERS_DIR")
    if not peers_dir:
        print("peers: SKIP: WIMM_PEERS_DIR is not set; build larson, xmalloc-test and "
              "glibc-thread from mimalloc-bench's sources into a directory and name it there "
              "(see scripts/peers.py)")
        return SKIP
    missing = [f for _, f, *_ in PEERS if not os.access(os.path.join(peers_dir, f), os.X_OK)]
    if missing:
        print(f"peers: SKIP: not in {peers_dir} (or not executable): {', '.join(missing)}")
        return SKIP
    rounds = int(os.environ.get("WIMM_PEERS_ROUNDS", "5"))
    os.makedirs(out, exist_ok=True)
    data = measure(wimm, out, peers_dir, rounds)
    json.dump({"rounds": rounds, "allocators": ALLOCS, "data": data},
              open(os.path.join(out, "peers.json"), "w"), indent=1)
    return report(data, rounds, out)


if __name__ == "__main__":
    sys.exit(main())
