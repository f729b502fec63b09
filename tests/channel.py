#!/usr/bin/env python3
"""The driver's channel to its children is the scoreboard, never their
stdout (issue: the allocator check took a preloaded library's version line
for malloc's owner). A library whose constructor prints on stdout and
writes junk to every fd from 1 to 63:
  - as an allocator, is accepted by the check before the run, and its cells
    run and record it as malloc's owner (`wimm run` and `wimm exec`);
  - as a library that serves nothing, is refused with the real owner (the
    C library) named, and none of its junk in the message.

usage: channel.py WIMM NOISY_ALLOC.so NOISY_PLAIN.so WORKLOAD EXEC_TARGET
Prints TAP.
"""
import csv
import os
import subprocess
import sys
import tempfile

from taplib import check, finish, skip

WIMM, NOISY, PLAIN, WORKLOAD, TARGET = sys.argv[1:6]
WRAP = os.environ.get("WIMM_VALGRIND", "").split()


def wimm(*args):
    return subprocess.run([*WRAP, WIMM, *args], capture_output=True, text=True, timeout=600)


def cells(out):
    return list(csv.DictReader(open(os.path.join(out, "latest", "cells.csv"))))


def main():
    if os.environ.get("WIMM_UNDER_SANITIZER") == "1":
        skip("a noisy preloaded allocator", "ASan build: another allocator cannot be preloaded")
        return
    out = tempfile.mkdtemp(prefix="wimm-channel-")
    for what, args in (("wimm run", ["run", WORKLOAD, "-t", "1"]), ("wimm exec", ["exec"])):
        tail = ["--", TARGET] if what == "wimm exec" else []
        r = wimm(*args, "-a", "noisy", "--allocator", f"noisy={NOISY}", "--out", out, *tail)
        check(r.returncode == 0, f"{what} under a noisy allocator exits 0 (got {r.returncode}: "
              f"{r.stderr[-400:]})")
        if r.returncode == 0:
            c = cells(out)[0]
            check(c["status"] == "ok" and os.path.realpath(c["malloc_owner"]) ==
                  os.path.realpath(NOISY), f"{what}: the cell is ok with the library as owner: "
                  f"{c['status']} {c['reason']} {c['malloc_owner']}")
    r = wimm("run", WORKLOAD, "-t", "1", "-a", "plain", "--allocator", f"plain={PLAIN}",
             "--out", out)
    check(r.returncode == 2 and "does not replace malloc" in r.stderr and "libc.so" in r.stderr
          and "junk" not in r.stderr and "noisy 1.0" not in r.stderr,
          f"a noisy library that serves nothing is refused, the C library named as owner "
          f"(exit {r.returncode}: {r.stderr.strip()[-300:]})")


main()
finish()
