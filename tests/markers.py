#!/usr/bin/env python3
"""The phase and step markers (include/wimm.h, python/wimm.py) under
`wimm exec`, and outside it.

- A C program with two marked phases: the phases are in summary.json, the
  series and the figures by name, each with its exact end reading.
- A Python loop on Debian's /usr/bin/python3 leaking one 800 B C block per
  iteration (ctypes malloc), stepping through wimm.py, 2,000 iterations:
  the heap's growth per step is within 10% of the block the allocator
  holds for 800 B (its usable size), and its 95% interval holds that; the
  same loop freeing each block: the interval holds 0. mimalloc has no
  in-use figure: its heap growth is n/a (null), never a number.
- Outside wimm the markers do nothing: the C program runs as without them,
  and wimm.py does not even import ctypes.

usage: markers.py WIMM PHASES_PROGRAM MODULE_DIR LEAK_LOOP EXPECTED_ALLOCATORS
Prints TAP.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

from taplib import check, driver, finish, skip

WIMM, PHASES, MODULE_DIR, LOOP = sys.argv[1:5]
EXPECTED = [a for a in sys.argv[5].split(",") if a]
ALLOCATORS = ["glibc"] + EXPECTED
PYTHON = "/usr/bin/python3"  # Debian's, non-PIE: the case
ITERATIONS, SIZE = 2000, 800
wimm = driver(WIMM, timeout=900)


def latest(out):
    run = os.path.realpath(os.path.join(out, "latest"))
    return run, json.load(open(os.path.join(run, "summary.json")))


def phase_names(cell):
    return [p["name"] for p in cell.get("phases") or []]


def test_outside():
    r = subprocess.run([PHASES, "8"], capture_output=True, text=True, timeout=60,
                       env={k: v for k, v in os.environ.items() if k != "LD_PRELOAD"})
    check(r.returncode == 0 and "8 blocks" in r.stdout,
          f"outside wimm the C program runs as without markers (exit {r.returncode})")
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import wimm; "
            "wimm.phase('x'); [wimm.step() for _ in range(10)]; "
            "print(wimm.active, 'ctypes' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code, MODULE_DIR], capture_output=True, text=True,
                       timeout=60, env={k: v for k, v in os.environ.items() if k != "LD_PRELOAD"})
    check(r.returncode == 0 and r.stdout.split() == ["False", "False"],
          f"outside wimm wimm.py is inactive and does not import ctypes: {r.stdout.strip()!r} "
          f"{r.stderr[-200:]!r}")


def test_phases():
    out = tempfile.mkdtemp(prefix="wimm-markers-")
    r = wimm("exec", "-a", ",".join(ALLOCATORS), "--out", out, "--seed", "5", "--name", "phases",
             "--", PHASES)
    if not check(r.returncode == 0, f"wimm exec of the C program exits 0 ({r.returncode}: "
                 f"{r.stderr[-300:]})"):
        return
    run, summary = latest(out)
    for cell in summary["cells"]:
        a = cell["allocator"]
        names = phase_names(cell)
        check(names == ["start", "build", "drop"], f"{a}: phases in summary.json: {names}")
        tsv = os.path.join(run, "series", f"phases-{a}-r1.tsv")
        rows = list(csv.DictReader(open(tsv), delimiter="\t")) if os.path.exists(tsv) else []
        seen = sorted({row["phase"] for row in rows})
        check({"build", "drop"} <= set(seen), f"{a}: the series names its rows' phases: {seen}")
        steps = [int(row["progress"]) for row in rows if row["progress"]]
        check(steps and max(steps) == 64, f"{a}: the series counts the 64 steps "
              f"(last {max(steps) if steps else None})")
        build = next((p for p in cell["phases"] if p["name"] == "build"), {})
        rss = build.get("snapshot_rss_bytes") or 0
        check(rss >= 64 * 128 * 1024, f"{a}: build's end reading: RSS {rss} >= 8 MiB")
        heap = build.get("snapshot_heap_bytes")
        if a == "mimalloc":
            check(heap is None, f"{a}: no in-use figure, so no heap at build's end ({heap})")
        else:
            check(heap is not None and heap >= 64 * 128 * 1024,
                  f"{a}: build's end reading: heap {heap} >= 8 MiB (the allocator's in-use)")
        # A marker at the top of main comes before the probe thread may
        # have run at all: its reading must still be taken, not timed out.
        exact = [p["name"] for p in cell["phases"] if p.get("alloc_end_exact") == 1]
        if a != "mimalloc":
            check(exact == ["start", "build", "drop"],
                  f"{a}: every phase ends on the probe's reading: {exact}")
        check((build.get("duration_s") or 0) >= 64 * 0.005,
              f"{a}: build's duration {build.get('duration_s')} s from its markers")
    plots = os.path.join(run, "plots")
    varfiles = [f for f in os.listdir(plots) if f.endswith(".vars")] if os.path.isdir(plots) else []
    text = "".join(open(os.path.join(plots, f)).read() for f in varfiles)
    check("build" in text and "drop" in text,
          f"the memory figure names the phases ({len(varfiles)} .vars files)")


def test_edges():
    out = tempfile.mkdtemp(prefix="wimm-markers-edge-")
    r = wimm("exec", "-a", "glibc", "--out", out, "--name", "edge", "--", PHASES, "edge")
    if not check(r.returncode == 0, f"edges: wimm exec exits 0 ({r.returncode}: {r.stderr[-300:]})"):
        return
    run, summary = latest(out)
    cell = summary["cells"][0]
    names = phase_names(cell)
    want = ["start", "a", "b"] + [f"p{i}" for i in range(3, 17)]
    check(names == want, f"edges: a name marked again keeps its index, the 17 first names "
          f"are kept, a forked child's is not: {names}")
    err = open(os.path.join(run, "output", "edge-glibc-r1.stderr")).read()
    check(err.count("more phase names") == 1, f"edges: one warning for the names past 17: {err!r}")
    rows = list(csv.DictReader(open(os.path.join(run, "series", "edge-glibc-r1.tsv")),
                               delimiter="\t"))
    steps = {row["progress"] for row in rows}
    check(steps <= {"", "1"}, f"edges: the forked child's 1,000 steps are not counted: {steps}")
    a = next(p for p in cell["phases"] if p["name"] == "a")
    check(0.055 <= (a.get("duration_s") or 0) < 1,
          f"edges: a's duration sums its two visits of 30 ms: {a.get('duration_s')} s")
    last = next(p for p in cell["phases"] if p["name"] == "p16")
    check(last.get("snapshot_rss_bytes") and last.get("snapshot_heap_bytes") is not None,
          "edges: the last phase ends on the exit reading")


def loop_run(mode):
    out = tempfile.mkdtemp(prefix=f"wimm-loop-{mode}-")
    r = wimm("exec", "-a", ",".join(ALLOCATORS), "--out", out, "--seed", "7", "--name",
             f"loop-{mode}", "--", PYTHON, LOOP, MODULE_DIR, str(ITERATIONS), str(SIZE), mode)
    if not check(r.returncode == 0, f"{mode}: wimm exec {PYTHON} exits 0 ({r.returncode}: "
                 f"{r.stderr[-300:]})"):
        return None, None
    for line in r.stdout.splitlines():
        print(f"# {line}", flush=True)
    return latest(out)


def loop_phase(run, cell):
    a = cell["allocator"]
    out = open(os.path.join(run, "output", f"{cell['workload']}-{a}-r1.stdout")).read()
    fields = dict(f.split("=") for f in out.split())
    check(fields.get("active") == "True", f"{a}: wimm.py is active under wimm exec ({out.strip()})")
    p = next((p for p in cell["phases"] if p["name"] == "loop"), {})
    return int(fields.get("usable", 0)), p


def loop_cells(mode):
    """Runs the loop (leak or free) under every allocator; yields each
    allocator's name, cell, usable size of a SIZE block and loop phase,
    after printing its fit."""
    run, summary = loop_run(mode)
    for cell in summary["cells"] if run else []:
        a = cell["allocator"]
        usable, p = loop_phase(run, cell)
        print(f"# {mode}, {a}: heap {p.get('heap_growth_per_iter_bytes')} B/step "
              f"+-{p.get('heap_growth_ci95_bytes')} (R^2 {p.get('heap_r2')}), RSS "
              f"{p.get('rss_growth_per_iter_bytes')} B/step +-{p.get('rss_growth_ci95_bytes')}, "
              f"usable size of {SIZE} B: {usable}, fit over {p.get('fit_iters')} steps, "
              f"{p.get('iters_to_tell')} to tell", flush=True)
        yield a, cell, usable, p


def test_leak():
    for a, cell, usable, p in loop_cells("leak"):
        slope, half = p.get("heap_growth_per_iter_bytes"), p.get("heap_growth_ci95_bytes")
        if a == "mimalloc":
            check(slope is None, f"{a}: no in-use figure, heap growth n/a ({slope})")
            rss = p.get("rss_growth_per_iter_bytes")
            check(rss is not None and 0.9 * usable <= rss <= 1.25 * usable,
                  f"{a}: RSS still grows by about a block per step ({rss} B, block {usable})")
            continue
        check(slope is not None and abs(slope - usable) <= 0.1 * usable,
              f"{a}: heap leak {slope} B/step within 10% of the {usable} B the allocator holds "
              f"for {SIZE} B ({(slope or 0) / SIZE:.3f}x {SIZE} B)")
        check(half is not None and half < 0.1 * usable and slope - half > 0,
              f"{a}: its 95% interval +-{half} is under 10% of the block and excludes 0")
        check(cell.get("leak_heap_per_iter_bytes") == slope,
              f"{a}: the cell's leak per iteration is the loop's "
              f"({cell.get('leak_heap_per_iter_bytes')})")


def test_no_leak():
    for a, _, _, p in loop_cells("free"):
        slope, half = p.get("heap_growth_per_iter_bytes"), p.get("heap_growth_ci95_bytes")
        if a == "mimalloc":
            check(slope is None, f"{a}: heap growth n/a without an in-use figure ({slope})")
            continue
        check(slope is not None and half is not None and abs(slope) <= half + 1e-6,
              f"{a}: no leak: the 95% interval {slope} +-{half} B/step holds 0")


def main():
    test_outside()
    if os.environ.get("WIMM_UNDER_SANITIZER") == "1":
        skip("markers under wimm exec", "ASan build: the probe cannot be preloaded")
        return
    test_phases()
    test_edges()
    if not os.access(PYTHON, os.X_OK):
        skip("the Python leak loop", f"{PYTHON} is not installed")
        return
    test_leak()
    test_no_leak()


main()
finish()
