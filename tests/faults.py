#!/usr/bin/env python3
"""Fault tests: a crashing child, a hanging one, one that passes the memory
guard, an allocator that aborts at start, SIGTERM, SIGINT and SIGHUP to the
driver, an unwritable and a full results directory, a library that is not an
allocator. Each must end as a recorded failure or a clear error, with every
finished cell kept and no file left half-written.

The driver's death: SIGKILL, SIGHUP, SIGPIPE, SIGUSR1 (and SIGTERM) of
`wimm exec` and SIGKILL of `wimm run` must end the cell's process and the
process it started. `--stdin FIFO` with no writer must stay killable (its
timeout, SIGTERM, SIGINT). What a child writes reaches summary.json and the
terminal cleaned, and its output files are capped.

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

from taplib import check, driver, finish, skip

WIMM, CHILD, ABORT_LIB, WORKLOAD = sys.argv[1:5]
# An ASan build refuses to preload another allocator (meson test --setup asan).
NO_PRELOAD = ("ASan build: another allocator or the probe cannot be preloaded "
              "(the ASan runtime must come first)"
              if os.environ.get("WIMM_UNDER_SANITIZER") == "1" else None)
# meson test --setup valgrind: the driver itself runs under valgrind.
WRAP = os.environ.get("WIMM_VALGRIND", "").split()


wimm = driver(WIMM, timeout=120)


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


def processes(pattern, prefix=False, also=""):
    """Live processes whose command line holds pattern, or starts with it
    (prefix), and holds also; zombies are left out: they hold nothing, and
    whoever adopted them reaps them."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ")
        except OSError:
            continue
        hit = cmdline.startswith(pattern.encode()) if prefix else pattern.encode() in cmdline
        hit = hit and also.encode() in cmdline
        if state != "Z" and hit:
            found.append(int(pid))
    return found


def wait_until(cond, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def driver_death(sig, cmd, cell, count, want_exit, what):
    """Starts wimm (cmd), waits until the cell's count processes run (their
    command lines start with cell[0] and hold cell[1]; the driver's own
    holds them further on), signals the driver and checks that none of them
    survives it."""
    out = tempfile.mkdtemp(prefix="wimm-death-")
    p = subprocess.Popen([*WRAP, WIMM, *cmd[:1], "--out", out, *cmd[1:]],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    started = wait_until(lambda: len(processes(cell[0], True, cell[1])) >= count, 60)
    before = processes(cell[0], True, cell[1])
    p.send_signal(sig)
    try:
        _, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    gone = wait_until(lambda: not processes(cell[0], True, cell[1]), 5)
    left = processes(cell[0], True, cell[1])
    for pid in left:  # do not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    check(started and gone,
          f"{what}: the cell's processes {before} end with the driver (left: {left})")
    check(p.returncode == want_exit, f"{what}: exit {want_exit} (got {p.returncode})"
          + (f"; {err.strip()[-200:]}" if p.returncode != want_exit else ""))
    check(wait_until(lambda: not processes(out), 5),
          f"{what}: nothing of the run is left (the reaper exits too): {processes(out)}")


def deaths():
    """Each signal that ends or stops the driver, with a cell running that
    has started a process of its own (the kernel's parent-death signal
    reaches the first, the reaper the second)."""
    for sig, want in [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGHUP, 130),
                      (signal.SIGPIPE, -signal.SIGPIPE), (signal.SIGUSR1, -signal.SIGUSR1),
                      (signal.SIGTERM, 130)]:
        token = f"wimm-death-{sig.name}-{os.getpid()}"
        driver_death(sig, ["exec", "-a", "glibc", "--", CHILD, "forkhang", token],
                     (f"{CHILD} forkhang {token}", ""), 2, want,
                     f"wimm exec, {sig.name} to the driver")
    # The worker of `wimm run`, named by the file of its workload (its last
    # argument), which nothing else runs.
    wdir = tempfile.mkdtemp(prefix="wimm-death-run-")
    yaml = os.path.join(wdir, "long-idle.yaml")
    with open(yaml, "w") as f:
        f.write("name: long-idle\ndescription: sleeps, to be killed.\nthreads: [1]\n"
                "phases:\n  - name: wait\n    generator: idle\n    duration: 60 s\n")
    worker = os.environ.get("WIMM_WORKER", "wimm-worker")
    driver_death(signal.SIGKILL, ["run", yaml, "-a", "glibc"],
                 (worker, yaml), 1, -signal.SIGKILL,
                 "wimm run, SIGKILL to the driver")


def killed_mid_run():
    """SIGKILL to the driver between cells and during one: cells.csv has a
    whole line for every finished cell, summary.json is valid JSON (it may
    lag the last second's cells), and the running cell's series, streamed
    to a temporary file, is not left half-written under its name."""
    out = tempfile.mkdtemp(prefix="wimm-killed-")
    p = subprocess.Popen([*WRAP, WIMM, "exec", "-a", "glibc", "-r", "20", "--interval", "1ms",
                          "--out", out, "--", CHILD, "alloc", "1"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    csv_path = os.path.join(out, "latest", "cells.csv")

    def finished():
        try:
            return len(open(csv_path).read().splitlines()) - 1
        except OSError:
            return 0
    started = wait_until(lambda: finished() >= 3, 60)
    time.sleep(0.1)  # into a cell
    p.kill()
    p.wait()
    rows = list(csv.reader(open(csv_path)))
    header, lines = rows[0], rows[1:]
    check(started and len(lines) >= 3 and all(len(r) == len(header) for r in lines)
          and open(csv_path).read().endswith("\n"),
          f"killed driver: cells.csv holds {len(lines)} whole lines")
    try:
        summary = json.load(open(os.path.join(out, "latest", "summary.json")))
        valid = summary["complete"] is False and len(summary["cells"]) <= len(lines)
    except (OSError, ValueError, KeyError) as e:
        valid = False
        print(f"# {e}")
    check(valid, "killed driver: summary.json is valid JSON, not complete, no cell it lacks "
          "in cells.csv")
    series = os.listdir(os.path.join(out, "latest", "series"))
    named = [f for f in series if f.endswith(".tsv")]
    check(len(named) <= len(lines) and all(
              open(os.path.join(out, "latest", "series", f)).read().endswith("\n")
              for f in named),
          f"killed driver: {len(named)} series under their names, each whole "
          f"(a temporary file may remain: {sorted(set(series) - set(named))})")


def stdin_fifo():
    """--stdin FIFO with no writer: the run waits in open(), and its timeout,
    SIGTERM and SIGINT still end it (before, the driver hung unkillably)."""
    fifo = os.path.join(tempfile.mkdtemp(prefix="wimm-fifo-"), "input")
    os.mkfifo(fifo)
    out = tempfile.mkdtemp(prefix="wimm-fifo-")
    t0 = time.monotonic()
    try:
        r = wimm("exec", "-a", "glibc", "--timeout", "500ms", "--stdin", fifo, "--out", out,
                 "--", "cat", timeout=30)
    except subprocess.TimeoutExpired:
        check(False, "--stdin FIFO without a writer: the timeout ends the run (hung 30 s)")
        return
    took = time.monotonic() - t0
    c = cells(out)
    check(r.returncode == 1 and c and "timed out" in c[0]["reason"]
          and "still opening its input" in c[0]["reason"],
          f"--stdin FIFO without a writer: a failed cell that says why, in {took:.1f} s "
          f"(exit {r.returncode}, {c[0]['reason'] if c else r.stderr.strip()[-200:]})")
    for sig in (signal.SIGTERM, signal.SIGINT):
        p = subprocess.Popen([*WRAP, WIMM, "exec", "-a", "glibc", "--stdin", fifo, "--out", out,
                              "--", "cat"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)
        for line in p.stderr:  # until the cell has started (and waits for its input)
            if "[1/1]" in line:
                break
        time.sleep(0.3)
        t0 = time.monotonic()
        p.send_signal(sig)
        try:
            p.communicate(timeout=20)
            check(p.returncode == 130,
                  f"--stdin FIFO without a writer: {sig.name} ends it, exit 130 "
                  f"(got {p.returncode}, {time.monotonic() - t0:.1f} s)")
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            check(False, f"--stdin FIFO without a writer: {sig.name} ends it (hung 20 s)")
    # With a writer, the data flows as through a shell redirection.
    writer = subprocess.Popen(["sh", "-c", f"sleep 0.3; echo through-the-fifo > '{fifo}'"])
    r = wimm("exec", "-a", "glibc", "--stdin", fifo, "--out", out, "--", "cat", timeout=30)
    writer.wait()
    got = open(os.path.join(out, "latest", "output", "cat-glibc-r1.stdout")).read()
    check(r.returncode == 0 and got == "through-the-fifo\n",
          f"--stdin FIFO with a writer: the run reads it (exit {r.returncode}, {got!r})")


def child_text():
    """Invalid UTF-8 and escape sequences on a child's stderr: summary.json
    stays valid (strict UTF-8) JSON, and nothing raw reaches the terminal."""
    out = tempfile.mkdtemp(prefix="wimm-text-")
    r = subprocess.run([*WRAP, WIMM, "exec", "-a", "glibc", "--out", out, "--", CHILD, "garbage"],
                       capture_output=True, timeout=120)
    try:
        raw = open(os.path.join(out, "latest", "summary.json"), "rb").read()
        summary = json.loads(raw.decode("utf-8"))  # strict: invalid UTF-8 raises
        reason = summary["cells"][0]["reason"]
        valid = True
    except (ValueError, KeyError, IndexError, OSError) as e:
        valid, reason = False, str(e)
    check(r.returncode == 1 and valid and "exit status 1" in reason and "bad" in reason,
          f"a child's invalid UTF-8 leaves summary.json valid JSON: {reason!r}")
    check(b"\x1b" not in raw and "\u202e" not in reason and "\x1b" not in reason,
          "no escape sequence or bidi override is stored")
    check(b"\x1b" not in r.stderr and b"\xff" not in r.stderr,
          "none reaches the terminal either (the failure warning quotes the line)")
    csv_raw = open(os.path.join(out, "latest", "cells.csv"), "rb").read()
    check(b"\x1b" not in csv_raw and csv_raw.decode("utf-8", "strict") is not None,
          "cells.csv is clean UTF-8")


def output_cap():
    """`wimm exec -- yes` used to write 1.3 GB in half a second: each stream
    keeps its head and tail within the cap, and says what it dropped."""
    for args, cap in [([], 4 << 20), (["--output-cap", "64KiB"], 64 << 10)]:
        out = tempfile.mkdtemp(prefix="wimm-cap-")
        r = wimm("exec", "-a", "glibc", "--timeout", "500ms", *args, "--out", out, "--",
                 "yes", timeout=60)
        path = os.path.join(out, "latest", "output", "yes-glibc-r1.stdout")
        size = os.path.getsize(path) if os.path.exists(path) else -1
        data = open(path, "rb").read() if size >= 0 else b""
        check(0 < size <= cap + 300 and b"bytes dropped here" in data,
              f"yes {' '.join(args) or '(default cap)'}: {size} bytes kept, cap {cap}, "
              "with a line saying what was dropped")
        check("over the cap" in r.stderr, f"the run says it dropped output: "
              f"{[l for l in r.stderr.splitlines() if 'cap' in l][:1]}")


def main():
    deaths()
    killed_mid_run()
    stdin_fifo()
    child_text()
    output_cap()
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
    interrupt(signal.SIGHUP, ["run", WORKLOAD, "-a", "glibc", "-r", "6"], "SIGHUP")

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
