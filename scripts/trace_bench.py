#!/usr/bin/env python3
"""The recorder's cost and the replay's speed (meson test --benchmark --suite trace).

    trace_bench.py WIMM WORKER RECORDER PAIRS [--pairs N] [--reps N] [--allocator LIB]

1. Recording cost: PAIRS (4 threads, 5 M small malloc/free pairs each) run
   bare and recorded, alternating, REPS pairs of runs (default 7); CPU time
   (user + system, from wait4) of each run; the ratio recorded / bare per
   pair; median, min and max. Target: median <= 1.5.
2. Size: the last recording converted (`wimm record --from-spool`), bytes
   of the trace per event. Target: <= 4.
3. Replay speed: the trace replayed by the worker under mimalloc (REPS
   runs), events per CPU-second of the replay (so per thread-second: every
   replay thread is busy), median. Target: >= 5 M.

Prints a table and exits 1 when a target is missed. The conversion's own
time is printed too (it runs once, offline, after the program).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

p = argparse.ArgumentParser()
p.add_argument("wimm")
p.add_argument("worker")
p.add_argument("recorder")
p.add_argument("pairs")
p.add_argument("--pairs-per-thread", type=int, default=5_000_000)
p.add_argument("--reps", type=int, default=7)
p.add_argument("--allocator", default="libmimalloc.so.2")
a = p.parse_args()

env = dict(os.environ)
env.pop("MALLOC_PERTURB_", None)
env.pop("LD_PRELOAD", None)
tmp = tempfile.mkdtemp(prefix="wimm-trace-bench-")
cmd = [a.pairs, "4", str(a.pairs_per_thread)]


def cpu_of(argv, e):
    """Runs argv; returns (CPU seconds of the child, wall seconds)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, env=e)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    if status != 0:
        sys.exit(f"trace_bench: {argv[0]} failed (status {status})")
    return ru.ru_utime + ru.ru_stime, wall


def recorded_env(spool):
    e = dict(env)
    e.update(LD_PRELOAD=a.recorder, WIMM_RECORD_DIR=spool, WIMM_RECORD_DRIVER=str(os.getpid()),
             WIMM_RECORD_CHILDREN="none")
    return e


ratios, bare, rec = [], [], []
spool = None
for i in range(a.reps):
    b, _ = cpu_of(cmd, env)
    if spool:
        shutil.rmtree(spool)
    spool = tempfile.mkdtemp(dir=tmp)
    r, _ = cpu_of(cmd, recorded_env(spool))
    bare.append(b)
    rec.append(r)
    ratios.append(r / b)
    print(f"pair {i + 1}: bare {b:.3f} s CPU, recorded {r:.3f} s CPU, ratio {r / b:.3f}",
          flush=True)

# The last spool: convert it as `wimm record` would have.
pid = int(os.listdir(spool)[0].split("-")[0])
with open(os.path.join(spool, "root"), "w") as f:
    f.write(f"{pid}\nsystem\nexit status 0\n{' '.join(cmd)}\n")
trace = os.path.join(tmp, "pairs.wtrace")
t0 = time.monotonic()
r = subprocess.run([a.wimm, "record", "--from-spool", spool, "-o", trace], env=env,
                   capture_output=True, text=True)
convert_s = time.monotonic() - t0
if r.returncode:
    sys.exit(f"trace_bench: conversion failed: {r.stderr}")
info = json.loads(subprocess.run([a.wimm, "trace", "info", "--json", trace], env=env,
                                 capture_output=True, text=True, check=True).stdout)
events = info["events"]
size = os.path.getsize(trace)
spool_bytes = sum(os.stat(os.path.join(spool, f)).st_blocks * 512 for f in os.listdir(spool))

rates = []
e = dict(env, LD_PRELOAD=a.allocator)
for i in range(a.reps):
    out = subprocess.run([a.worker, trace], env=e, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"trace_bench: replay failed: {out.stderr}")
    # "... N events, ... X s CPU, R M events per CPU-second, ..."
    line = out.stdout
    rate = float(line.split(" M events per CPU-second")[0].split()[-1])
    rates.append(rate)
    print(f"replay {i + 1}: {rate:.2f} M events per CPU-second", flush=True)

med = statistics.median(ratios)
per_event = size / events
rate = statistics.median(rates)
print()
print(f"| measured | target | result |")
print(f"|---|---|---|")
print(f"| recording CPU / bare CPU, 4 threads x {a.pairs_per_thread / 1e6:g} M pairs, "
      f"{a.reps} alternating pairs | <= 1.5x | median {med:.3f}x (min {min(ratios):.3f}, "
      f"max {max(ratios):.3f}); bare median {statistics.median(bare):.3f} s |")
print(f"| trace size | <= 4 B/event | {per_event:.2f} B/event ({size / 1048576:.1f} MiB, "
      f"{events} events; spool {spool_bytes / events:.2f} B/event before conversion) |")
print(f"| replay under {a.allocator} | >= 5 M events/s per thread | median {rate:.2f} M "
      f"(min {min(rates):.2f}, max {max(rates):.2f}) |")
print(f"| conversion (offline, once) | - | {convert_s:.1f} s wall |")
shutil.rmtree(tmp)
missed = [name for name, ok in (("recording cost", med <= 1.5), ("trace size", per_event <= 4),
                                ("replay speed", rate >= 5)) if not ok]
if missed:
    print(f"trace_bench: missed: {', '.join(missed)}")
    sys.exit(1)
