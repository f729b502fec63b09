#!/usr/bin/env python3
"""How faithful is a replay? Records the example programs (tests/trace/),
replays them, and compares, program by program:

- the peak heap heaptrack measures on the original program with the
  trace's peak live heap (exact, in the order the trace was merged in) and
  the replay's (the worker's count, sampled with the run). heaptrack and the
  recorder watch the same run (the recorder preloaded first, heaptrack's
  library after it, as heaptrack's own script sets it up), because a
  multi-threaded program's peak differs from run to run (the replays are of
  a recording of their own: heaptrack's thread allocates through the
  recorder as well);
- the operations recorded (mallocs, frees, reallocs) with those replayed;
- peak RSS of the original (`wimm exec`) and of the replay (`wimm run
  FILE.wtrace`) under each allocator: the allocators' order, and each one's
  ratio to glibc, original against replay.

    scripts/trace_faithful.py BUILD_DIR [--reps N] [--out DIR] [--only NAME]

Prints a Markdown table per program and a summary line per check; exits 1
when a check fails (peak within 0.5%, operations equal, same order, ratios
within 10%), 77 (skipped) without heaptrack and zstd (scripts/deps.sh --test).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

p = argparse.ArgumentParser()
p.add_argument("build")
p.add_argument("--reps", type=int, default=3)
p.add_argument("--out", default=None)
p.add_argument("--only", default=None)
a = p.parse_args()

if not shutil.which("heaptrack_print") or not os.path.exists(
        "/usr/lib/heaptrack/libheaptrack_preload.so") or not shutil.which("zstd"):
    print("trace_faithful: skipped: heaptrack or zstd is missing (scripts/deps.sh --test)")
    sys.exit(77)
build = os.path.abspath(a.build)
src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
wimm = os.path.join(build, "bench", "wimm")
recorder = os.path.join(build, "allocators", "recorder", "libwimm-recorder.so")
ex = os.path.join(build, "tests", "trace")
python = shutil.which("python3", path=os.path.expanduser("~/.pyenv/shims") + ":" +
                      os.environ.get("PATH", ""))
# Debian's /usr/bin/python3 is non-PIE; prefer a PIE python when there is one.
pyenv = sorted(__import__("glob").glob(os.path.expanduser("~/.pyenv/versions/*/bin/python3")))
if pyenv:
    python = pyenv[-1]

programs = [
    ("churn", [os.path.join(ex, "ex_churn"), "4", "200000", "1024", "7"], {}),
    ("tiles", [os.path.join(ex, "ex_tiles"), "1"], {}),
    ("grow", [os.path.join(ex, "ex_grow"), "300", "16"], {}),
    ("script", [python, os.path.join(src, "tests", "trace", "ex_script.py"), "20"],
     {"PYTHONMALLOC": "malloc"}),
]
allocs = ["glibc", "jemalloc", "tcmalloc", "mimalloc"]
out = a.out or tempfile.mkdtemp(prefix="wimm-faithful-")
os.makedirs(out, exist_ok=True)
env = dict(os.environ)
env.pop("MALLOC_PERTURB_", None)
env.pop("LD_PRELOAD", None)
failed = []


def run(argv, e=None, **kw):
    r = subprocess.run(argv, env=e or env, capture_output=True, text=True, **kw)
    if r.returncode:
        sys.exit(f"trace_faithful: {' '.join(argv)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return r


HEAPTRACK = "/usr/lib/heaptrack"


def record_with_heaptrack(name, argv, e, trace):
    """One run of argv watched by the recorder and by heaptrack (what
    /usr/bin/heaptrack does: a fifo read by heaptrack_interpret, its library
    in LD_PRELOAD, here after the recorder). Returns heaptrack's peak in
    bytes and its line; writes the trace."""
    spool = tempfile.mkdtemp(dir=out, prefix=f".{name}-spool-")
    fifo = os.path.join(spool, "fifo")
    os.mkfifo(fifo)
    data = os.path.join(out, f"{name}.heaptrack.zst")
    reader = subprocess.Popen(f"{HEAPTRACK}/libexec/heaptrack_interpret < {fifo} | zstd -q -c > {data}",
                              shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    e = dict(e, LD_PRELOAD=f"{recorder} {HEAPTRACK}/libheaptrack_preload.so",
             DUMP_HEAPTRACK_OUTPUT=fifo, WIMM_RECORD_DIR=spool,
             WIMM_RECORD_DRIVER=str(os.getpid()))
    proc = subprocess.Popen(argv, env=e, stdout=subprocess.DEVNULL)
    if proc.wait() or reader.wait():
        sys.exit(f"trace_faithful: {name} under heaptrack and the recorder failed")
    with open(os.path.join(spool, "root"), "w") as f:
        f.write(f"{proc.pid}\nsystem\nexit status 0\n{' '.join(argv)}\n")
    run([wimm, "record", "--from-spool", spool, "-o", trace])
    shutil.rmtree(spool)
    r = run(["heaptrack_print", "-f", data, "-s", "0", "-p", "0", "-a", "0", "-T", "0", "-l", "0"])
    m = re.search(r"peak heap memory consumption: ([\d.]+)([KMGT]?)", r.stdout)
    scale = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}[m.group(2)]
    return float(m.group(1)) * scale, m.group(0)


def medians(run_dir):
    s = json.load(open(os.path.join(run_dir, "summary.json")))
    return {g["allocator"]: g for g in s["groups"]}


def latest(results):
    return os.path.join(results, "latest")


def pct(x, ref):
    return 100.0 * (x - ref) / ref


def check(ok, what):
    print(f"{'ok' if ok else 'MISSED'}: {what}")
    if not ok:
        failed.append(what)


for name, argv, extra in programs:
    if a.only and a.only != name:
        continue
    e = dict(env, **extra)
    # The peak against heaptrack's: the same run. The replays: a run of
    # its own, since heaptrack's own thread allocates through the recorder
    # too and would be replayed with the program.
    seen = os.path.join(out, f"{name}-heaptrack.wtrace")
    ht, ht_text = record_with_heaptrack(name, argv, e, seen)
    seen_peak = json.loads(run([wimm, "trace", "info", "--json", seen]).stdout)["peak_live_bytes"]
    trace = os.path.join(out, f"{name}.wtrace")
    run([wimm, "record", "-o", trace, "--"] + argv, e)
    info = json.loads(run([wimm, "trace", "info", "--json", trace]).stdout)
    calls = info["calls"]
    recorded_ops = sum(calls.values())
    res_exec = os.path.join(out, f"{name}-exec")
    res_run = os.path.join(out, f"{name}-run")
    run([wimm, "exec", "-a", ",".join(allocs), "-r", str(a.reps), "--no-probe", "--name", name,
         "--out", res_exec, "--"] + argv, e)
    # Both without the probe: its thread and readings change what some
    # allocators hold (tcmalloc on the growing buffers: 89 MiB without,
    # 66 MiB with), and the replay's heap comes from the worker's count.
    run([wimm, "run", trace, "-a", ",".join(allocs), "-r", str(a.reps), "--no-probe", "--out",
         res_run], e)
    orig, rep = medians(latest(res_exec)), medians(latest(res_run))
    peak_rep = rep["glibc"]["peak_heap_bytes"]["median"]
    ops_rep = {k: rep[k]["ops"]["median"] for k in allocs}

    print(f"\n### {name}: `{' '.join(os.path.basename(x) for x in argv)}`\n")
    print(f"{info['threads']} threads, {info['events']} events; heaptrack: {ht_text}; "
          f"unmatched frees dropped: {info['unmatched_frees']}\n")
    print("| | heaptrack | its run's trace (merged order) | a plain recording | its replay (glibc) |")
    print("|---|---|---|---|---|")
    print(f"| peak heap | {ht / 1e6:.2f} MB | {seen_peak / 1e6:.2f} MB ({pct(seen_peak, ht):+.2f}%) | "
          f"{info['peak_live_bytes'] / 1e6:.2f} MB | {peak_rep / 1e6:.2f} MB |")
    print(f"| operations | - | - | {recorded_ops} | "
          f"{', '.join(f'{k} {int(v)}' for k, v in ops_rep.items())} |\n")
    print("| peak RSS (median of %d) | " % a.reps + " | ".join(allocs) + " |")
    print("|---|" + "---|" * len(allocs))
    o_rss = {k: orig[k]["peak_rss_bytes"]["median"] for k in allocs}
    r_rss = {k: rep[k]["peak_rss_bytes"]["median"] for k in allocs}
    print("| original | " + " | ".join(f"{o_rss[k] / 1048576:.1f} MiB" for k in allocs) + " |")
    print("| replay | " + " | ".join(f"{r_rss[k] / 1048576:.1f} MiB" for k in allocs) + " |")
    o_ratio = {k: o_rss[k] / o_rss["glibc"] for k in allocs}
    r_ratio = {k: r_rss[k] / r_rss["glibc"] for k in allocs}
    print("| original / glibc | " + " | ".join(f"{o_ratio[k]:.2f}" for k in allocs) + " |")
    print("| replay / glibc | " + " | ".join(f"{r_ratio[k]:.2f}" for k in allocs) + " |\n")
    check(abs(pct(seen_peak, ht)) <= 0.5,
          f"{name}: trace peak within 0.5% of heaptrack's ({pct(seen_peak, ht):+.2f}%)")
    check(all(int(v) == recorded_ops for v in ops_rep.values()),
          f"{name}: replayed operations equal the recorded {recorded_ops}")
    o_rank = sorted(allocs, key=lambda k: o_rss[k])
    r_rank = sorted(allocs, key=lambda k: r_rss[k])
    check(o_rank == r_rank, f"{name}: allocators rank the same by peak RSS "
                            f"(original {o_rank}, replay {r_rank})")
    worst = max(abs(r_ratio[k] / o_ratio[k] - 1) for k in allocs)
    check(worst <= 0.10, f"{name}: every ratio to glibc within 10% of the original's "
                         f"(worst {100 * worst:.1f}%)")

print(f"\nresults in {out}")
sys.exit(1 if failed else 0)
