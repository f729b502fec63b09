#!/usr/bin/env python3
"""The workload language at run time: each feature in a small workload run
by the worker on its own (no driver), with the figures it must give
exactly: operations, threads started, the heap at the phase's checkpoint.

usage: language.py WIMM WORKER

Sizes and victims are drawn from the workload's seed, so every figure here
is the same on every run; the few that depend on the allocator or the
clock are bounds, never timings. Also `wimm help workloads` and `wimm
describe`, which print the loader's own tables.
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import check, finish  # noqa: E402

WIMM, WORKER = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="wimm-language-")
# glibc's own malloc, untouched by MALLOC_PERTURB_ (meson sets it; it writes
# every block, which the touch checks would see).
ENV = {k: v for k, v in os.environ.items() if k not in ("MALLOC_PERTURB_", "LD_PRELOAD")}


def run(name, body, threads=1, extra=()):
    path = os.path.join(TMP, name + ".yaml")
    with open(path, "w") as f:
        f.write(f"name: {name}\ndescription: A test.\nseed: 3\nthreads: [{threads}]\n"
                f"phases:\n{body}")
    p = subprocess.run([WORKER, "--threads", str(threads), *extra, path], capture_output=True,
                       text=True, env=ENV)
    if p.returncode != 0:
        check(False, f"{name}: the worker exits 0 (got {p.returncode}: {p.stderr.strip()})")
        return None
    m = re.search(r"(\d+) ops, (\d+) extra ops, (\d+) threads started, peak heap (-?\d+) "
                  r"bytes \(\+-(-?\d+)\)", p.stdout)
    if not m:
        check(False, f"{name}: the worker prints its summary (got {p.stdout.strip()!r})")
        return None
    got = {"ops": int(m.group(1)), "extra": int(m.group(2)), "threads": int(m.group(3)),
           "peak": int(m.group(4)), "peak_error": int(m.group(5)), "phases": {}}
    for ph in re.finditer(r"phase (\S+): heap (-?\d+) bytes, rss (\d+) bytes at its "
                          r"checkpoint, ([\d.]+) s", p.stdout):
        got["phases"][ph.group(1)] = (int(ph.group(2)), int(ph.group(3)), float(ph.group(4)))
    return got


def churn(extra, live="    live: 100\n", sizes="    sizes: 4 KiB\n", ops="    ops: 1000\n"):
    return "  - name: work\n    generator: churn\n" + ops + live + sizes + extra


def exact(name, got, key, want):
    if got:
        check(got[key] == want, f"{name}: {key} {got[key]} == {want}")


def heap(name, got, want, phase="work"):
    if got:
        h = got["phases"][phase][0]
        check(h == want, f"{name}: heap at the checkpoint {h} == {want}")


# Windows: fill (live mallocs), ops x (free + malloc), free the window.
for victim in ("fifo", "lifo", "random"):
    g = run(f"victim-{victim}", churn(f"    victim: {victim}\n"), threads=2)
    exact(f"victim {victim}", g, "ops", 2 * (100 + 2 * 1000 + 100))
    heap(f"victim {victim}", g, 2 * 100 * 4096)

# Lifetimes: a block made at operation i dies at i + 50, so 50 are alive.
g = run("lifetime", churn("    lifetime: 50\n", live="", sizes="    sizes: 64 B\n"))
exact("lifetime 50", g, "ops", 2 * 1000)
heap("lifetime 50", g, 50 * 64)
g = run("lifetime-exp", churn("    lifetime: {shape: exponential, mean: 200}\n", live="",
                              sizes="    sizes: 64 B\n", ops="    ops: 20000\n"))
if g:
    n = g["phases"]["work"][0] / 64
    check(120 <= n <= 300, f"exponential lifetimes of mean 200: {n:.0f} blocks alive at the end")

# Generations: every 100 replacements a new thread takes over the window.
g = run("generation", churn("    generation: 100\n", live="    live: 10\n"), threads=2)
exact("generation 100 of 1000", g, "threads", 2 * 10)
exact("generation 100 of 1000", g, "ops", 2 * (10 + 2 * 1000 + 10))
heap("generation 100 of 1000", g, 2 * 10 * 4096)

# Calls: realloc resizes the victim (one operation instead of two).
g = run("calls", churn("    calls: {malloc: 1, calloc: 1, realloc: 2, aligned_alloc: 1, "
                       "posix_memalign: 1, alignment: 256 B}\n", sizes="    sizes: 256 B\n"))
if g:
    check(2 * 100 + 1000 < g["ops"] < 2 * 100 + 2 * 1000,
          f"calls with realloc: {g['ops']} ops, between one and two per replacement")
    heap("calls", g, 100 * 256)
g = run("grow-realloc", "  - name: work\n    generator: grow\n    iterations: 50\n"
        "    from: 4 KiB\n    to: 1 MiB\n    realloc: true\n"
        "  - name: free-all\n    generator: free-all\n")
exact("grow with realloc: one malloc, 49 reallocs, one free", g, "ops", 1 + 49 + 1)

# Touch: 8 blocks of 2 MiB (mmap'd by glibc, so untouched pages stay out
# of RSS): none adds nothing, full adds all 16 MiB, first one page each.
rss = {}
for touch in ("none", "first", "full", "0.5"):
    g = run(f"touch-{touch.replace('.', '')}",
            churn(f"    touch: {touch}\n", live="    live: 8\n", sizes="    sizes: 2 MiB\n",
                  ops="    ops: 8\n"))
    rss[touch] = g["phases"]["work"][1] if g else 0
mib = 1 << 20
check(rss["full"] - rss["none"] >= 15 * mib,
      f"touch full holds 16 MiB more than none ({(rss['full'] - rss['none']) / mib:.1f} MiB)")
check(abs(rss["first"] - rss["none"]) <= 2 * mib,
      f"touch first adds about 8 pages ({(rss['first'] - rss['none']) / mib:.2f} MiB)")
check(7 * mib <= rss["0.5"] - rss["none"] <= 9 * mib,
      f"touch 0.5 adds half ({(rss['0.5'] - rss['none']) / mib:.1f} MiB)")

# Sizes: a histogram file, and a shape whose mean is known.
with open(os.path.join(TMP, "sizes.tsv"), "w") as f:
    f.write("# size weight\n4 KiB 3\n8192 0\n4096,1\n")
g = run("histogram", churn("", sizes="    sizes: {histogram: sizes.tsv}\n"))
heap("histogram (every line 4 KiB; zero weights never drawn)", g, 100 * 4096)
g = run("inverse-square", churn("", live="    live: 20000\n",
                                sizes="    sizes: {shape: inverse-square, min: 4 B, "
                                      "max: 32 KiB}\n"))
if g:
    mean = g["phases"]["work"][0] / 20000
    check(30 <= mean <= 45, f"inverse-square 4 B .. 32 KiB: mean size {mean:.1f} (expected 36)")

# Roles and queues: producers allocate, consumers free, in batches with a
# carrier each; the queue is empty at the checkpoint.
QUEUES = ("    queues:\n      - {name: q, capacity: 4, batch: 100, order: lifo, "
          "carrier: true}\n")
PRODUCE = ("      - name: make\n        generator: produce\n        queue: q\n"
           "        ops: 10000\n        sizes: 64 B\n")
CONSUME = "      - name: free\n        generator: consume\n        queue: q\n"
g = run("produce-consume", "  - name: work\n" + QUEUES + "    roles:\n" + PRODUCE + CONSUME,
        threads=2)
exact("produce/consume", g, "ops", 2 * 10000 * 2 + 2 * 100 * 2)
exact("produce/consume", g, "threads", 4)
heap("produce/consume", g, 0)
g = run("many-to-one", "  - name: work\n" + QUEUES.replace("capacity: 4, ", "") +
        "    roles:\n" + PRODUCE + CONSUME + "        threads: 1\n", threads=3)
exact("three producers, one consumer, unbounded", g, "ops", 3 * 10000 * 2 + 3 * 100 * 2)

# A main thread fills the workers' windows, warms them up, hands them over.
g = run("prefill", "  - name: work\n    queues:\n      - {name: h}\n    roles:\n"
        "      - name: main\n        generator: prefill\n        queue: h\n"
        "        sizes: 128 B\n        warmup: 2\n"
        "      - name: workers\n        generator: churn\n        fill_from: h\n"
        "        live: 50\n        ops: 100\n        sizes: 128 B\n", threads=2)
# prefill: 100 mallocs + 200 replacements; workers: 100 replacements and
# their 50 blocks freed at the end each.
exact("prefill", g, "ops", 100 + 2 * 200 + 2 * (2 * 100 + 50))
exact("prefill", g, "threads", 3)
heap("prefill", g, 2 * 50 * 128)

# Bounds: a duration ends no sooner than asked; a rate caps the count.
g = run("duration", churn("    rate: 1000/s\n", ops="    duration: 300 ms\n"))
if g:
    reps = (g["ops"] - 200) // 2
    check(g["phases"]["work"][2] >= 0.3, f"duration 300 ms: the phase ran "
                                         f"{g['phases']['work'][2]:.3f} s")
    check(0 < reps <= 300 + 64, f"rate 1000/s for 300 ms: {reps} replacements")
g = run("scale", churn(""), extra=("--scale", "0.5"))
exact("--scale 0.5 halves the operations", g, "ops", 100 + 2 * 500 + 100)

# The reference is printed from the tables the loader uses.
p = subprocess.run([WIMM, "help", "workloads"], capture_output=True, text=True, env=ENV)
check(p.returncode == 0, f"wimm help workloads exits 0 ({p.returncode})")
for needle in ("description: text; required", "fill_from: queue name", "inverse-square",
               "capacity: count", "prefill:", "produce:", "consume:", "tile-cache:",
               "generation: count, 1 .. 1000G"):
    check(needle in p.stdout, f"wimm help workloads mentions '{needle}'")
p = subprocess.run([WIMM, "describe", "churn"], capture_output=True, text=True, env=ENV)
check(p.returncode == 0 and "victim: fifo | lifo | random; default fifo" in p.stdout,
      "wimm describe churn: its keys, with types and defaults")
p = subprocess.run([WIMM, "describe", "chrun"], capture_output=True, text=True, env=ENV)
check(p.returncode == 2 and "unknown generator 'chrun'" in p.stderr,
      f"wimm describe chrun: exit 2 and names the generators ({p.returncode})")
finish()
