#!/usr/bin/env python3
"""What the markers cost (meson test --benchmark --suite markers). Outside
wimm: wimm.h's wimm_step in a C loop against the same loop without it
(tests/bench/markers_cost.c), and wimm.py's step() in a Python loop
against the same loop calling an empty function and against a bare loop,
alternating; and what importing wimm.py costs. Under `wimm exec -a glibc`:
the same C loop (a step is then an atomic add) and a phase marker's time,
its reading included. Prints TAP; the figures are comments.

usage: markers_cost.py WIMM MARKERS_COST_BINARY MODULE_DIR
"""
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from taplib import check, finish  # noqa: E402

WIMM, BIN, MODULE_DIR = sys.argv[1:4]
ENV = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "WIMM_SCOREBOARD")}

r = subprocess.run([BIN], capture_output=True, text=True, env=ENV, timeout=600)
for line in r.stdout.splitlines():
    print(f"# C: {line}", flush=True)
check(r.returncode == 0, "the C loop ran outside wimm")

PY = r'''
import sys, time
sys.path.insert(0, sys.argv[1])
t0 = time.perf_counter(); import wimm; imp = time.perf_counter() - t0
def empty(): pass
def run(f, n=2_000_000):
    t = time.perf_counter()
    for _ in range(n): f()
    return (time.perf_counter() - t) * 1e9 / n
def bare(n=2_000_000):
    t = time.perf_counter()
    for _ in range(n): pass
    return (time.perf_counter() - t) * 1e9 / n
rows = [(run(wimm.step), run(empty), bare()) for _ in range(9)]
for s, e, b in rows: print(f"{s:.2f} {e:.2f} {b:.2f}")
print(f"import {imp * 1e3:.3f} ms active={wimm.active} ctypes={'ctypes' in sys.modules}")
'''
r = subprocess.run([sys.executable, "-c", PY, MODULE_DIR], capture_output=True, text=True,
                   env=ENV, timeout=600)
lines = r.stdout.splitlines()
rows = [tuple(map(float, line.split())) for line in lines[:-1]]
if check(r.returncode == 0 and rows, f"the Python loop ran outside wimm {r.stderr[-200:]}"):
    step, empty, bare = (statistics.median(c) for c in zip(*rows))
    print(f"# Python: step() {step:.1f} ns/call, an empty function {empty:.1f} ns, a bare "
          f"iteration {bare:.1f} ns (medians of 9 alternating rounds; step/empty "
          f"{min(s / e for s, e, _ in rows):.2f}-{max(s / e for s, e, _ in rows):.2f})",
          flush=True)
    print(f"# Python: {lines[-1]}", flush=True)
    check("ctypes=False" in lines[-1], "outside wimm, wimm.py does not import ctypes")


def under_wimm(*args):
    """Runs the C program under `wimm exec -a glibc`; its stdout lines."""
    out = tempfile.mkdtemp(prefix="wimm-markers-cost-")
    r = subprocess.run([WIMM, "exec", "-a", "glibc", "--name", "cost", "--out", out, "--", BIN,
                        *args], capture_output=True, text=True, timeout=900)
    path = os.path.join(out, "latest", "output", "cost-glibc-r1.stdout")
    text = open(path).read() if os.path.exists(path) else ""
    check(r.returncode == 0 and text, f"under wimm exec: {' '.join(args)} ({r.stderr[-200:]})")
    return text.splitlines()


for line in under_wimm("20000000", "7"):
    print(f"# under wimm: {line}", flush=True)
for line in under_wimm("phases", "200"):
    print(f"# under wimm: {line}", flush=True)
finish()
