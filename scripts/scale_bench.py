#!/usr/bin/env python3
"""What the driver itself costs as runs grow long or many (README, "Long
series"; issue targets: flat memory, linear time per cell).

series: `wimm exec -a glibc` of a program that churns memory for DURATION
  seconds, sampled at 1 ms and at 10 s, alternating, PAIRS times; plus one
  run at 1 ms of DURATION / 4, to show that nothing grows with the length.
  Reports per run the driver's peak RSS (VmHWM of the wimm process,
  polled every 0.1 s; the children are other processes and do not count),
  its own CPU time (utime + stime of the wimm process alone, read from
  /proc when it has exited and before it is reaped, so exact to the
  kernel's clock tick), the samples taken, the ticks missed and the series
  file's size. Then: peak RSS at 1 ms minus at 10 s (target: within
  2 MiB), the series file extrapolated to 10 minutes from the growth
  between DURATION / 4 and DURATION (target: at most 5 MB), and the
  driver's CPU per sample, (CPU at 1 ms - CPU at 10 s) / (samples at 1 ms
  - samples at 10 s).

cells: N cells of /bin/true: `wimm exec -a glibc -a glibc:MALLOC_ARENA_MAX=1
  -r N/2 -- /bin/true` (two allocators, as --reps stops at 1000), for N = 2,
  SMALL and LARGE, alternating, PAIRS times. Reports the driver's own CPU
  per cell, raw (CPU / N) and marginal ((CPU(N) - CPU(2)) / (N - 2): the
  run's fixed costs, report and figures, left out), and the ratio LARGE /
  SMALL of the marginal figures (target: within 20%).

Medians over the pairs, with min and max. CPU time is what counts: the
machine may be shared, and wall time varies with it. The runs write to
$SCALE_BENCH_DIR, else /dev/shm (tmpfs) when it is there: on ext4, creating
thousands of files just after thousands were deleted (the previous run's
directory) costs the kernel more per file as it goes (its inode allocator
steps over recently deleted inodes), which is the file system's cost, not
the driver's; set SCALE_BENCH_DIR=/tmp to measure with it.

usage: scale_bench.py WIMM series [DURATION_S=120] [PAIRS=2]
       scale_bench.py WIMM cells [SMALL=100] [LARGE=2000] [PAIRS=3]
Exit 1 when a target is missed, 2 on a failed run.
"""
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TICK = os.sysconf("SC_CLK_TCK")
BASE = os.environ.get("SCALE_BENCH_DIR") or (
    "/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
ENV = {k: v for k, v in os.environ.items() if k != "MALLOC_PERTURB_"}

CHURN = """
import time
t0, held = time.monotonic(), []
while time.monotonic() - t0 < {duration}:
    held.append(bytearray(65536))
    if len(held) > 400:
        held = held[200:]
    time.sleep(0.002)
"""


def vm_hwm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def own_cpu(pid):
    """utime + stime of pid alone, in seconds (children are cutime)."""
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / TICK


def measure(args):
    """Runs wimm; returns (exit code, driver peak RSS, driver CPU s, wall s)."""
    t0 = time.monotonic()
    # stderr to a file: a pipe read only at the end would fill (a line a
    # cell) and stop the driver.
    log = tempfile.TemporaryFile()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log, env=ENV)
    peak = 0
    while True:
        peak = max(peak, vm_hwm(p.pid))
        # Exited, but not reaped: /proc still has its final CPU times.
        if os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG):
            break
        time.sleep(0.1)
    cpu = own_cpu(p.pid)
    code = p.wait()
    if code not in (0, 1):
        log.seek(0)
        sys.stderr.write(log.read().decode(errors="replace")[-4000:])
    return code, peak, cpu, time.monotonic() - t0


def cells_of(run_dir):
    with open(os.path.join(run_dir, "cells.csv")) as f:
        return list(csv.DictReader(f))


def spread(xs, fmt):
    return f"{fmt(statistics.median(xs))} ({fmt(min(xs))} to {fmt(max(xs))})"


def mib(x):
    return f"{x / 2**20:.2f} MiB"


def series_run(wimm, interval, duration):
    out = tempfile.mkdtemp(prefix="wimm-scale-", dir=BASE)
    try:
        code, peak, cpu, wall = measure([
            wimm, "exec", "-a", "glibc", "--interval", interval, "--out", out, "--name", "churn",
            "--", sys.executable, "-c", CHURN.format(duration=duration)])
        if code:
            sys.exit(f"scale_bench: wimm exec exited {code}")
        run = os.path.realpath(os.path.join(out, "latest"))
        cell = cells_of(run)[0]
        series = os.path.join(run, "series", "churn-glibc-r1.tsv")
        size = os.path.getsize(series) if os.path.exists(series) else 0
        r = dict(interval=interval, duration=duration, peak=peak, cpu=cpu, wall=wall,
                 samples=int(cell["samples"]), missed=int(cell.get("ticks_missed") or 0),
                 size=size)
        print(f"  {interval:>4} {duration:6.0f} s: driver peak RSS {mib(peak)}, driver CPU "
              f"{cpu:.2f} s, {r['samples']} samples, {r['missed']} ticks missed, series "
              f"{size / 1e6:.2f} MB, wall {wall:.0f} s", flush=True)
        return r
    finally:
        shutil.rmtree(out, ignore_errors=True)


def bench_series(wimm, duration, pairs):
    print(f"series: {pairs} pairs of {duration:.0f} s at 1 ms and at 10 s, and {duration / 4:.0f} s "
          f"at 1 ms", flush=True)
    fast, slow, short = [], [], []
    for _ in range(pairs):
        fast.append(series_run(wimm, "1ms", duration))
        slow.append(series_run(wimm, "10s", duration))
        short.append(series_run(wimm, "1ms", duration / 4))
    diff = [f["peak"] - s["peak"] for f, s in zip(fast, slow)]
    grow = [f["peak"] - s["peak"] for f, s in zip(fast, short)]
    per_s = [(f["size"] - s["size"]) / (duration - duration / 4) for f, s in zip(fast, short)]
    ten_min = [f["size"] + b * (600 - duration) for f, b in zip(fast, per_s)]
    per_sample = [(f["cpu"] - s["cpu"]) / max(1, f["samples"] - s["samples"])
                  for f, s in zip(fast, slow)]
    missed = [f["missed"] / max(1, f["samples"] + f["missed"]) for f in fast]
    print(f"driver peak RSS at 1 ms: {spread([f['peak'] for f in fast], mib)}; "
          f"at 10 s: {spread([s['peak'] for s in slow], mib)}")
    print(f"1 ms minus 10 s: {spread(diff, mib)} (target: within 2 MiB)")
    print(f"1 ms, {duration:.0f} s minus {duration / 4:.0f} s: {spread(grow, mib)} "
          f"(flat: near 0)")
    print(f"series file at 1 ms: {spread([f['size'] for f in fast], lambda x: f'{x / 1e6:.2f} MB')}"
          f" for {duration:.0f} s; grows {spread(per_s, lambda x: f'{x / 1e3:.1f} kB/s')}; "
          f"extrapolated to 10 minutes: {spread(ten_min, lambda x: f'{x / 1e6:.2f} MB')} "
          f"(target: at most 5 MB)")
    print(f"driver CPU per sample: {spread(per_sample, lambda x: f'{x * 1e6:.1f} us')}")
    print(f"ticks missed at 1 ms: {spread(missed, lambda x: f'{x * 100:.1f}%')}")
    ok = statistics.median(diff) <= 2 * 2**20 and statistics.median(ten_min) <= 5e6
    return 0 if ok else 1


def cells_run(wimm, n):
    out = tempfile.mkdtemp(prefix="wimm-scale-", dir=BASE)
    try:
        code, _, cpu, wall = measure([wimm, "exec", "-a", "glibc", "-a", "glibc:MALLOC_ARENA_MAX=1",
                                      "-r", str(n // 2), "--out", out, "--", "/bin/true"])
        if code:
            sys.exit(f"scale_bench: wimm exec -r {n // 2} exited {code}")
        got = len(cells_of(os.path.realpath(os.path.join(out, "latest"))))
        if got != n:
            sys.exit(f"scale_bench: {got} cells recorded of {n}")
        print(f"  {n:5d} cells: driver CPU {cpu:.2f} s ({cpu / n * 1e3:.2f} ms a cell), "
              f"wall {wall:.1f} s", flush=True)
        return cpu
    finally:
        shutil.rmtree(out, ignore_errors=True)


def bench_cells(wimm, small, large, pairs):
    print(f"runs written under {BASE or tempfile.gettempdir()}")
    print(f"cells: {pairs} rounds of 2, {small} and {large} cells of /bin/true", flush=True)
    one, sm, lg = [], [], []
    for _ in range(pairs):
        one.append(cells_run(wimm, 2))
        sm.append(cells_run(wimm, small))
        lg.append(cells_run(wimm, large))
    raw_s = [c / small for c in sm]
    raw_l = [c / large for c in lg]
    marg_s = [(c - o) / (small - 2) for c, o in zip(sm, one)]
    marg_l = [(c - o) / (large - 2) for c, o in zip(lg, one)]
    ratio = [l / s for l, s in zip(marg_l, marg_s)]
    ms = lambda x: f"{x * 1e3:.2f} ms"
    print(f"fixed (2 cells): {spread(one, lambda x: f'{x:.2f} s')}")
    print(f"raw CPU per cell: {small}: {spread(raw_s, ms)}; {large}: {spread(raw_l, ms)}")
    print(f"marginal CPU per cell: {small}: {spread(marg_s, ms)}; {large}: "
          f"{spread(marg_l, ms)}")
    print(f"ratio {large} / {small} (marginal): {spread(ratio, lambda x: f'{x:.3f}')} "
          f"(target: 0.8 to 1.2)")
    return 0 if 0.8 <= statistics.median(ratio) <= 1.2 else 1


def main():
    if len(sys.argv) < 3 or sys.argv[2] not in ("series", "cells"):
        sys.exit(__doc__)
    wimm, what, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    if what == "series":
        duration = float(rest[0]) if rest else 120
        pairs = int(rest[1]) if len(rest) > 1 else 2
        return bench_series(wimm, duration, pairs)
    small = int(rest[0]) if rest else 100
    large = int(rest[1]) if len(rest) > 1 else 2000
    if small < 4 or large < 4 or small % 2 or large % 2:
        sys.exit("scale_bench: cell counts are even, from 4")
    pairs = int(rest[2]) if len(rest) > 2 else 3
    return bench_cells(wimm, small, large, pairs)


if __name__ == "__main__":
    sys.exit(main())
