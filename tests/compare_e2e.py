#!/usr/bin/env python3
"""End to end: the tile cache run under glibc, compared with a baseline made
from glibc-arena1, must report the memory regression; the same cells run
again under glibc-arena1 must report none. Real runs, at --quick scale
(seconds), one measurement thread, three repetitions a side so that the
comparator also weighs the scatter.

The baseline is a different allocator's, so the comparison maps it:
`--map glibc-arena1=glibc`. This is the story of a user who had
GLIBC_TUNABLES=glibc.malloc.arena_max=1 and lost it.

usage: compare_e2e.py WIMM
Prints TAP.
"""
import json
import os
import sys
import tempfile

from taplib import check, driver, finish, skip

WIMM = sys.argv[1]

_wimm = driver(WIMM, timeout=600)


def wimm(*args, echo=True):
    r = _wimm(*args)
    for line in ((r.stdout if echo else "") + r.stderr).splitlines():
        print(f"# {line}")
    return r


def run(out, allocator):
    r = wimm("run", "tile-cache", "-t", "1", "-a", allocator, "-r", "3", "--quick",
             "--seed", "1", "--out", out)
    return check(r.returncode == 0, f"wimm run tile-cache -a {allocator} exits 0 "
                                    f"(got {r.returncode})")


def main():
    if os.environ.get("WIMM_UNDER_SANITIZER") == "1":
        print("1..0 # SKIP the tile cache's doubling is glibc's; a sanitizer build "
              "replaces glibc's malloc")
        return 0
    base, new, again = (tempfile.mkdtemp(prefix=f"wimm-e2e-{n}-") for n in ("base", "new", "again"))
    if not (run(base, "glibc-arena1") and run(new, "glibc") and run(again, "glibc-arena1")):
        finish()
    r = wimm("baseline", "update", "--out", base)
    check(r.returncode == 0, f"baseline update exits 0 (got {r.returncode})")
    bdir = os.path.join(base, "baseline")

    r = wimm("compare", "--map", "glibc-arena1=glibc", "--json", bdir, os.path.join(new, "latest"),
             echo=False)
    check(r.returncode == 1, f"glibc against the glibc-arena1 baseline exits 1 (got {r.returncode})")
    try:
        cell = json.loads(r.stdout)["cells"][0]
        peak = cell["metrics"]["peak_rss"]
        check(cell["allocator"] == "glibc" and cell["base_allocator"] == "glibc-arena1" and
              peak["mark"] == "worse" and peak["change"] > 0.3,
              f"peak RSS worse: {peak['base']:.0f} -> {peak['new']:.0f} bytes "
              f"({peak['change'] * 100:+.1f}%, {peak['reps_base']} vs {peak['reps_new']} reps)")
        check(cell["metrics"]["blowup"]["mark"] == "worse", "peak RSS / heap worse")
    except (ValueError, IndexError, KeyError) as e:
        check(False, f"compare --json reads ({e})")
    r = wimm("compare", "--map", "glibc-arena1=glibc", bdir, os.path.join(new, "latest"))
    check("tile-cache, threads 1, glibc (BASE: glibc-arena1): peak RSS" in r.stdout,
          "the text names the regression")

    r = wimm("compare", bdir, os.path.join(again, "latest"))
    check(r.returncode == 0, f"glibc-arena1 again against its own baseline exits 0 "
                             f"(got {r.returncode})")
    finish()


if __name__ == "__main__":
    sys.exit(main())
