#!/usr/bin/env python3
"""The truth benchmark: every figure wimm reports against a tool written by
others, measured on the same process where the figure allows it.

usage: truth.py WIMM WORKER EXEC_TARGET OUT_DIR [PRESET ...]
       (meson test --benchmark --suite truth; default: every shipped preset)
       WIMM_TRUTH_SCALE=F runs the presets at --scale F (default 1).

For every preset, at each of its thread counts, under every installed base
allocator, one `wimm run` whose worker runs inside a wrapper (WIMM_WORKER):
GNU time around the worker (`%M`, its peak RSS), the allocator and the
probe preloaded into the worker only, and WIMM_CHECKPOINT_STATS=1, so that
at each checkpoint, while every thread waits, the allocator prints its own
statistics (glibc malloc_stats(), jemalloc malloc_stats_print(), tcmalloc
MallocExtension_GetStats()) right after the probe's reading. Then, per
preset and thread count, the worker alone under heaptrack. Checks:

  peak RSS         peak_rss_bytes against GNU time %M, same process      2%
  peak heap        peak_heap_bytes against heaptrack's peak consumption
                   of the workload's allocations (its peak flame graph,
                   the stacks through the worker's generator threads),
                   in heaptrack's process (the worker tracks its own peak
                   there too): 0.1% with one thread, 1% with several; with
                   one thread every allocator's cell of the wimm run too
                   (the same bytes in every process; with several threads
                   the peak depends on the interleaving, so those are
                   shown, not checked)
  arenas           `arenas` against the allocator's statistics at the
                   checkpoint ("Arena N:" blocks; jemalloc arenas that
                   served an allocation; "Thread heaps in use")       equal
  work end         the allocator's in-use and system bytes wimm read at
                   the work phase's checkpoint, and their ratio, against
                   the statistics printed at that instant (glibc, jemalloc:
                   allocated less its threads' caches' tcache_bytes;
                   tcmalloc's in-use)                                    2%
                   (jemalloc's stats_print allocates a 64 KiB buffer for
                   its own output before it reads: its in-use is 65,536 B
                   above what wimm read a moment earlier, its mapped bytes
                   about as much)
  wimm exec        a program holding 32 MiB in 4 KiB blocks, run through the
                   same wrapper: peak heap against its known live bytes
                   (1%), peak RSS against GNU time %M, same process (2%);
                   heaptrack's peak against the known bytes (1%)

A tool that is missing (GNU time, heaptrack) skips its checks with the
reason. Prints every figure against its reference as a table, and TAP.
"""
import csv
import json
import os
import re
import shutil
import subprocess
import sys

WIMM, WORKER, EXEC_TARGET, OUT = sys.argv[1:5]
HERE = os.path.dirname(os.path.abspath(__file__))
PRESETS_DIR = os.path.join(HERE, "..", "workloads", "presets")
PRESETS = sys.argv[5:] or ["tile-cache", "manifest", "stamps", "stamps-handoff", "leak", "churn"]
SCALE = os.environ.get("WIMM_TRUTH_SCALE", "1")
TIME = "/usr/bin/time"
HEAPTRACK, HEAPTRACK_PRINT = shutil.which("heaptrack"), shutil.which("heaptrack_print")
ENV = {k: v for k, v in os.environ.items()
       if k not in ("MALLOC_PERTURB_", "LD_PRELOAD", "WIMM_SCOREBOARD")}
EXEC_LIVE = 8192 * 4096  # what exec_target holds

rows = []  # (cell, figure, wimm, reference, tool, tolerance text, verdict)
tap = []  # (ok or None for skip, text)


def gnu_time_missing():
    if not os.access(TIME, os.X_OK):
        return f"GNU time is not installed ({TIME}; scripts/deps.sh --test installs it)"
    r = subprocess.run([TIME, "-f", "%M", "true"], capture_output=True, text=True)
    if r.returncode or not r.stderr.strip().splitlines()[-1].isdigit():
        return f"{TIME} is not GNU time (no -f %M)"
    return None


def heaptrack_missing():
    if not HEAPTRACK or not HEAPTRACK_PRINT:
        return "heaptrack is not installed (scripts/deps.sh --test installs it)"
    return None


def record(cell, figure, wimm, ref, tool, tol, ok, note=""):
    verdict = "ok" if ok else "FAIL"
    rows.append((cell, figure, wimm, ref, tool, tol, verdict))
    tap.append((ok, f"{cell}: {figure} wimm {fmt(wimm)} vs {tool} {fmt(ref)} "
                f"({diff(wimm, ref)}; {tol}){note}"))


def skip(cell, figure, why):
    rows.append((cell, figure, None, None, "-", "-", "skip"))
    tap.append((None, f"{cell}: {figure} # SKIP {why}"))


def fmt(v):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.4f}"
    return f"{v:,}"


def diff(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return f"{(a - b) / b * 100:+.3f}%"


def close(a, b, rel):
    return a is not None and b is not None and b > 0 and abs(a - b) <= rel * b


WRAPPER = r"""#!/bin/sh
# Written by scripts/truth.py: the worker ($WIMM_TRUTH_WORKER, else the
# command given) under GNU time, with the allocator and probe preloaded
# into it only and its stderr kept, in files named after the allocator's
# library and the thread count.
threads=1
prev=
for a in "$@"; do
	[ "$prev" = --threads ] && threads=$a
	prev=$a
done
lib=${LD_PRELOAD%% *}
case "$lib" in
*libwimm-probe.so | "") key=none ;;
*) key=$(basename "$lib") ;;
esac
out="$WIMM_TRUTH_DIR/$key-t$threads"
preload=$LD_PRELOAD
unset LD_PRELOAD
# This shell started with the probe preloaded, whose constructor claimed
# the scoreboard (a record lock of this process). A process's record locks
# on a file go when it closes any fd of that file: release it here, so the
# worker's own probe takes it.
if [ -n "$WIMM_SCOREBOARD" ]; then
	exec 9<&"$WIMM_SCOREBOARD"
	exec 9<&-
fi
if [ -n "$WIMM_TRUTH_TIME" ]; then
	exec "$WIMM_TRUTH_TIME" -f %M -o "$out.time" \
		env LD_PRELOAD="$preload" $WIMM_TRUTH_WORKER "$@" 2>"$out.stderr"
fi
exec env LD_PRELOAD="$preload" $WIMM_TRUTH_WORKER "$@" 2>"$out.stderr"
"""


def preset_threads(name):
    text = open(os.path.join(PRESETS_DIR, name + ".yaml")).read()
    m = re.search(r"^threads:\s*\[([0-9, ]+)\]", text, re.M)
    return [int(x) for x in m.group(1).split(",")] if m else [1]


def read_time(path):
    try:
        last = open(path).read().strip().splitlines()[-1]
        return int(last) * 1024
    except (OSError, IndexError, ValueError):
        return None


def stats_sections(path):
    """{phase name: the statistics text printed at its checkpoint}."""
    try:
        text = open(path, errors="replace").read()
    except OSError:
        return {}
    out = {}
    for m in re.finditer(r"wimm-worker: allocator statistics, end of phase '([^']*)'\n(.*?)"
                         r"wimm-worker: end of statistics", text, re.S):
        out[m.group(1)] = m.group(2)
    return out


def parse_stats(family, text):
    """(in use, system, arenas) as the allocator's own statistics say."""
    if family == "glibc":
        arenas = len(re.findall(r"^Arena \d+:", text, re.M))
        total = text[text.find("Total (incl. mmap):"):]
        sysb = re.search(r"system bytes\s*=\s*(\d+)", total)
        inuse = re.search(r"in use bytes\s*=\s*(\d+)", total)
        return (int(inuse.group(1)) if inuse else None, int(sysb.group(1)) if sysb else None,
                arenas)
    if family == "jemalloc":
        try:
            j = json.loads(text[text.find("{"):text.rfind("}") + 1])["jemalloc"]
        except (ValueError, KeyError):
            return None, None, None
        st = j["stats"]
        arenas, cached = 0, 0
        for k, a in j.get("stats.arenas", {}).items():
            if not k.isdigit():
                continue
            # Blocks in the threads' caches count as allocated to jemalloc
            # but are held by no one: the probe leaves them out of in-use.
            cached += a.get("tcache_bytes", 0)
            if (a["small"]["nmalloc"] + a["large"]["nmalloc"]) > 0:
                arenas += 1
        return st["allocated"] - cached, st["mapped"], arenas
    if family == "tcmalloc":
        inuse = re.search(r"MALLOC:\s+(\d+) \(.*\) Bytes in use by application", text)
        heaps = re.search(r"MALLOC:\s+(\d+)\s+Thread heaps in use", text)
        return (int(inuse.group(1)) if inuse else None, None,
                int(heaps.group(1)) if heaps else None)
    return None, None, None


def write_wrapper(d):
    wrapper = os.path.join(d, "worker.sh")
    with open(wrapper, "w") as f:
        f.write(WRAPPER)
    os.chmod(wrapper, 0o755)
    return wrapper


def run_preset(preset, time_skip):
    """One wimm run of the preset (every thread count, every installed base
    allocator) with the wrapper; returns its cells and the wrapper's dir."""
    d = os.path.join(OUT, preset)
    shutil.rmtree(d, ignore_errors=True)
    files = os.path.join(d, "worker")
    os.makedirs(files)
    env = dict(ENV, WIMM_CHECKPOINT_STATS="1", WIMM_TRUTH_DIR=files, WIMM_TRUTH_WORKER=WORKER,
               WIMM_TRUTH_TIME="" if time_skip else TIME, WIMM_WORKER=write_wrapper(d))
    r = subprocess.run([WIMM, "run", preset, "--scale", SCALE, "--seed", "1", "--out",
                        os.path.join(d, "results")], capture_output=True, text=True, env=env,
                       timeout=3000)
    if r.returncode not in (0, 1):
        sys.exit(f"truth: wimm run {preset} failed (exit {r.returncode}): {r.stderr[-800:]}")
    run_dir = os.path.realpath(os.path.join(d, "results", "latest"))
    meta = json.load(open(os.path.join(run_dir, "meta.json")))
    libs = {a["name"]: (os.path.basename(a["path"]) if a["path"] else "none")
            for a in meta["allocators"]}
    cells = json.load(open(os.path.join(run_dir, "summary.json")))["cells"]
    return cells, libs, files


def heaptrack_peak(preset, threads):
    """The worker alone under heaptrack: (the workload's bytes at heaptrack's
    peak, from the peak flame graph's stacks that pass through the worker's
    generator threads; the peak the worker tracked itself in that same
    process and its stated error; why not, when it could not run)."""
    d = os.path.join(OUT, preset, "heaptrack")
    os.makedirs(d, exist_ok=True)
    base = os.path.join(d, f"t{threads}")
    for f in os.listdir(d):
        if f.startswith(f"t{threads}."):
            os.unlink(os.path.join(d, f))
    workload = os.path.join(PRESETS_DIR, preset + ".yaml")
    r = subprocess.run([HEAPTRACK, "-o", base, WORKER, "--threads", str(threads), "--scale",
                        SCALE, workload], capture_output=True, text=True, env=ENV, timeout=3000)
    data = [f for f in os.listdir(d) if f.startswith(f"t{threads}.") and "stacks" not in f]
    own = re.search(r"peak heap (\d+) bytes \(\+-(\d+)\)", r.stdout)
    if r.returncode or not data or not own:
        return None, None, None, f"heaptrack failed (exit {r.returncode}): {r.stderr[-300:]}"
    stacks = base + ".stacks.txt"
    subprocess.run([HEAPTRACK_PRINT, "-f", os.path.join(d, data[0]), "--flamegraph-cost-type",
                    "peak", "-F", stacks], capture_output=True, text=True, check=True,
                   timeout=1200)
    total = ours = 0
    for line in open(stacks):
        stack, _, cost = line.rstrip("\n").rpartition(" ")
        if not cost.isdigit():
            continue
        total += int(cost)
        if "thread_main (engine.c)" in stack:
            ours += int(cost)
    if total and not ours:
        return None, None, None, ("heaptrack's stacks have no function names (a worker "
                                  "built without debug information)")
    return ours, int(own.group(1)), int(own.group(2)), None


def check_preset(preset, time_skip, heap_skip):
    cells, libs, files = run_preset(preset, time_skip)
    threads_list = preset_threads(preset)
    for c in cells:
        cell = f"{preset} t{c['threads']} {c['allocator']}"
        if c["status"] != "ok":
            tap.append((False, f"{cell}: the cell failed: {c['reason']}"))
            continue
        key = f"{libs.get(c['allocator'], 'none')}-t{c['threads']}"
        # Peak RSS, the same process.
        if time_skip:
            skip(cell, "peak RSS", time_skip)
        else:
            ref = read_time(os.path.join(files, key + ".time"))
            record(cell, "peak RSS", c["peak_rss_bytes"], ref, "GNU time %M", "2%",
                   close(c["peak_rss_bytes"], ref, 0.02))
        # The allocator's statistics at the work checkpoint.
        family = c["probe"]
        sections = stats_sections(os.path.join(files, key + ".stderr"))
        work = next((p for p in c["phases"] if "snapshot_heap_bytes" in p), None)
        text = sections.get(work["name"]) if work else None
        if family not in ("glibc", "jemalloc", "tcmalloc"):
            skip(cell, "arenas, work end", f"{family or 'this allocator'} reports no arena "
                 "count and no in-use bytes")
            continue
        if text is None:
            tap.append((False, f"{cell}: no allocator statistics at the work checkpoint"))
            continue
        inuse, system, arenas = parse_stats(family, text)
        tool = {"glibc": "malloc_stats()", "jemalloc": "stats_print",
                "tcmalloc": "GetStats"}[family]
        record(cell, "arenas", c["arenas"], arenas, tool, "equal", c["arenas"] == arenas)
        w_in, w_sys = work.get("alloc_in_use_end_bytes"), work.get("alloc_system_end_bytes")
        record(cell, "work end in use", w_in, inuse, tool, "2%", close(w_in, inuse, 0.02))
        if system is not None:
            record(cell, "work end system", w_sys, system, tool, "2%",
                   close(w_sys, system, 0.02))
            ratio = system / inuse if inuse else None
            record(cell, "work end system/in use", c["work_end_system_over_in_use"], ratio,
                   tool, "2%", close(c["work_end_system_over_in_use"], ratio, 0.02))
    # The peak heap against heaptrack. With one thread the workload is the
    # same in every process: every allocator's cell must match. With several
    # the peak depends on how the threads interleave, which differs from
    # process to process (and heaptrack serialises them): the check is the
    # worker's own figure in heaptrack's process; the cells are shown.
    for t in threads_list:
        nthreads = t + 1 if preset == "tile-cache" else t
        single = nthreads == 1
        tol = 0.001 if single else 0.01
        mine = [c for c in cells if c["threads"] == t and c["status"] == "ok"]
        if heap_skip:
            skip(f"{preset} t{t}", "peak heap", heap_skip)
            continue
        ref, own, own_err, why = heaptrack_peak(preset, t)
        if ref is None:
            skip(f"{preset} t{t}", "peak heap", why)
            continue
        record(f"{preset} t{t} (heaptrack's process)", "peak heap", own, ref, "heaptrack",
               f"{tol:.1%}", close(own, ref, tol), f"; wimm's stated error {own_err:,} B")
        for c in mine:
            cell = f"{preset} t{t} {c['allocator']}"
            err = c.get("peak_heap_error_bytes") or 0
            if single:
                record(cell, "peak heap", c["peak_heap_bytes"], ref, "heaptrack",
                       f"{tol:.1%}", close(c["peak_heap_bytes"], ref, tol),
                       f"; wimm's stated error {err:,} B")
            else:
                rows.append((cell, "peak heap (other run)", c["peak_heap_bytes"], ref,
                             "heaptrack", f"+-{err:,} B", "info"))


def check_exec(time_skip, heap_skip):
    """wimm exec of the program through the wrapper: GNU time measures the
    same process the probe reports from."""
    d = os.path.join(OUT, "exec")
    shutil.rmtree(d, ignore_errors=True)
    files = os.path.join(d, "program")
    os.makedirs(files)
    env = dict(ENV, WIMM_TRUTH_DIR=files, WIMM_TRUTH_WORKER="",
               WIMM_TRUTH_TIME="" if time_skip else TIME)
    r = subprocess.run([WIMM, "exec", "--name", "exec_target", "--out", d, "--",
                        write_wrapper(d), EXEC_TARGET], capture_output=True, text=True,
                       env=env, timeout=600)
    if r.returncode:
        tap.append((False, f"wimm exec: exit {r.returncode}: {r.stderr[-400:]}"))
        return
    run_dir = os.path.realpath(os.path.join(d, "latest"))
    meta = json.load(open(os.path.join(run_dir, "meta.json")))
    libs = {a["name"]: (os.path.basename(a["path"]) if a["path"] else "none")
            for a in meta["allocators"]}
    for c in csv.DictReader(open(os.path.join(run_dir, "cells.csv"))):
        cell = f"exec_target {c['allocator']}"
        heap = int(c["peak_heap_bytes"]) if c["peak_heap_bytes"] else None
        if heap is None:
            skip(cell, "peak heap", "the allocator reports no in-use bytes (mimalloc)")
        else:
            record(cell, "peak heap", heap, EXEC_LIVE, "known live bytes", "1%",
                   close(heap, EXEC_LIVE, 0.01))
        if time_skip:
            skip(cell, "peak RSS", time_skip)
            continue
        ref = read_time(os.path.join(files, f"{libs.get(c['allocator'], 'none')}-t1.time"))
        record(cell, "peak RSS", int(c["peak_rss_bytes"]), ref, "GNU time %M", "2%",
               close(int(c["peak_rss_bytes"]), ref, 0.02))
    if heap_skip:
        skip("exec_target heaptrack", "peak heap", heap_skip)
        return
    base = os.path.join(d, "heaptrack")
    subprocess.run([HEAPTRACK, "-o", base, EXEC_TARGET], capture_output=True, env=ENV,
                   timeout=600)
    out = subprocess.run([HEAPTRACK_PRINT, "-f", base + ".zst", "--flamegraph-cost-type", "peak",
                          "-F", base + ".stacks"], capture_output=True, text=True)
    total = sum(int(line.rsplit(" ", 1)[1]) for line in open(base + ".stacks")
                if line.strip() and "main (exec_target.c)" in line) if not out.returncode else None
    record("exec_target heaptrack", "peak heap", total, EXEC_LIVE, "known live bytes", "1%",
           close(total, EXEC_LIVE, 0.01))


def main():
    os.makedirs(OUT, exist_ok=True)
    time_skip, heap_skip = gnu_time_missing(), heaptrack_missing()
    for preset in PRESETS:
        print(f"# {preset} ...", flush=True)
        check_preset(preset, time_skip, heap_skip)
    print("# wimm exec ...", flush=True)
    check_exec(time_skip, heap_skip)

    widths = [38, 24, 16, 16, 22, 13, 10, 6]
    head = ["cell", "figure", "wimm", "reference", "tool", "tol.", "diff", ""]
    print("# " + " ".join(h.ljust(w) for h, w in zip(head, widths)))
    for cell, figure, w, ref, tool, tol, verdict in rows:
        vals = [cell, figure, fmt(w), fmt(ref), tool, tol, diff(w, ref), verdict]
        print("# " + " ".join(str(v).ljust(wd) for v, wd in zip(vals, widths)))
    failed = 0
    for n, (ok, text) in enumerate(tap, 1):
        if ok is None:
            print(f"ok {n} - {text}")
        else:
            failed += not ok
            print(f"{'ok' if ok else 'not ok'} {n} - {text}")
    print(f"1..{len(tap)}")
    sys.exit(1 if failed else 0)


main()
