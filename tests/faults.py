#!/usr/bin/env python3
"""Fault tests: a crashing child, a hanging one, one that passes the memory
guard, an allocator that aborts at start, SIGTERM and SIGINT to the driver,
an unwritable and a full results directory, a library that is not an
allocator. Each must end as a recorded failure or a clear error, with every
finished cell kept and no file left half-written.

usage: faults.py WIMM CHILD ABORT_LIB WORKLOAD_YAML
Prints TAP.
"""
import csv
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from taplib import check, finish, skip

WIMM, CHILD, ABORT_LIB, WORKLOAD = sys.argv[1:5]
# An ASan build refuses to preload another allocator (meson test --setup asan).
NO_PRELOAD = ("ASan build: another allocator or the probe cannot be preloaded "
              "(the ASan runtime must come first)"
              if os.environ.get("WIMM_UNDER_SANITIZER") == "1" else None)
# meson test --setup valgrind: the driver itself runs under valgrind.
WRAP = os.environ.get("WIMM_VALGRIND", "").split()


def wimm(*args, timeout=120):
    return subprocess.run([*WRAP, WIMM, *args], capture_output=True, text=True, timeout=timeout)


def cells(out):
    return list(csv.DictReader(open(os.path.join(out, "latest", "cells.csv"))))


def no_temp_files(out):
    return not glob.glob(os.path.join(out, "**", "*.tmp.*"), recursive=True)


def exec_fault(args, want_reason, what):
    out = tempfile.mkdtemp(prefix="wimm-fault-")
    t0 = time.monotonic()
    r = wimm("exec", "-a", "glibc", "--out", out, *args)
    took = time.monotonic() - t0
    c = cells(out)
    check(r.returncode == 1 and len(c) == 1 and c[0]["status"] == "failed"
          and want_reason in c[0]["reason"],
          f"{what}: exit {r.returncode}, reason '{c[0]['reason'] if c else None}'")
    return took


def interrupt(sig, cmd, what):
    out = tempfile.mkdtemp(prefix="wimm-sig-")
    p = subprocess.Popen([*WRAP, WIMM, *cmd[:1], "--out", out, *cmd[1:]], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    csv_path = os.path.join(out, "latest", "cells.csv")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until a first cell is recorded
        if os.path.exists(csv_path) and len(open(csv_path).read().splitlines()) >= 2:
            break
        time.sleep(0.05)
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    summary = json.load(open(os.path.join(out, "latest", "summary.json")))
    check(p.returncode == 130, f"{what}: exit 130 (got {p.returncode})")
    check(summary["complete"] is False and summary["cells_not_run"] > 0
          and len(summary["cells"]) >= 1,
          f"{what}: {len(summary['cells'])} finished cells kept, {summary['cells_not_run']} not run")
    check("not run" in err, f"{what}: says what was not run")
    check(no_temp_files(out), f"{what}: no temporary file left")
    left = subprocess.run(["pgrep", "-f", out], capture_output=True, text=True).stdout.split()
    check(not left, f"{what}: no child left running ({left})")


def main():
    exec_fault(["--", CHILD, "crash"], "killed by signal 11", "child killed by a signal")
    took = exec_fault(["--timeout", "500ms", "--", CHILD, "hang"], "timed out after",
                      "child that hangs")
    check(took < 10, f"the hanging child was killed at its timeout ({took:.1f} s)")
    exec_fault(["--mem-guard", "64MiB", "--", CHILD, "alloc", "512"], "memory guard",
               "child past the memory guard")

    if NO_PRELOAD:
        skip("an allocator that aborts at start", NO_PRELOAD)
    else:
        aborting_allocator()

    interrupt(signal.SIGTERM, ["run", WORKLOAD, "-a", "glibc", "-r", "6"], "SIGTERM")
    interrupt(signal.SIGINT, ["exec", "-a", "glibc", "-r", "3", "--timeout", "30s", "--",
                              CHILD, "alloc", "1"], "SIGINT")

    r = wimm("run", WORKLOAD, "-a", "glibc", "--out", "/proc/wimm-cannot-write-here")
    check(r.returncode == 3 and "cannot create" in r.stderr,
          f"unwritable results directory: exit {r.returncode}, {r.stderr.strip()[:100]}")
    r = wimm("run", WORKLOAD, "--allocator", "z=libz.so.1", "--out", tempfile.mkdtemp())
    check(r.returncode == 2 and ("does not replace malloc" in r.stderr or
                                 NO_PRELOAD and "ASan build" in r.stderr),
          f"a library that is not an allocator: exit {r.returncode}, {r.stderr.strip()[:120]}")

    full_disk()


def aborting_allocator():
    out = tempfile.mkdtemp(prefix="wimm-fault-")
    r = wimm("run", WORKLOAD, "-a", "glibc", "--allocator", f"boom={ABORT_LIB}", "--out", out)
    c = cells(out)
    boom = [x for x in c if x["allocator"] == "boom"]
    ok = [x for x in c if x["allocator"] == "glibc"]
    check(r.returncode == 1, f"an allocator that aborts at start: exit 1 (got {r.returncode})")
    check(boom and all(x["status"] == "failed" and "signal 6" in x["reason"] for x in boom),
          f"its cells fail with the reason: {[x['reason'] for x in boom]}")
    check(ok and all(x["status"] == "ok" for x in ok), "the other allocator's cells go on")


def full_disk():
    """A results directory on a 64 KiB tmpfs: the series cannot be written."""
    what = "full disk"
    mnt = tempfile.mkdtemp(prefix="wimm-full-")
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt],
                                           capture_output=True).returncode:
        skip(what, "needs root to mount a small tmpfs")
        return
    try:
        r = wimm("exec", "-a", "glibc", "--interval", "1ms", "--timeout", "2s", "--out", mnt,
                 "--", CHILD, "hang")
        check(r.returncode == 3 and "No space left on device" in r.stderr,
              f"{what}: exit {r.returncode}, says so: {r.stderr.strip()[-160:]}")
        check(no_temp_files(mnt), f"{what}: no temporary file left")
        meta = glob.glob(os.path.join(mnt, "runs", "*", "meta.json"))
        check(meta and json.load(open(meta[0]))["run_id"], f"{what}: meta.json is whole")
    finally:
        subprocess.run(["umount", mnt])
        shutil.rmtree(mnt, ignore_errors=True)


main()
finish()
