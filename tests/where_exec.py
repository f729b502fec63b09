#!/usr/bin/env python3
"""Where is my memory, for real programs under `wimm exec`:

1. Debian's /usr/bin/python3 building a large dict under glibc, jemalloc,
   tcmalloc, mimalloc and python-malloc: every cell ok, malloc served by
   the allocator asked for; "not from malloc" (pymalloc's arenas) more than
   half of the peak RSS under the default pymalloc, under 15% with
   python-malloc; the report says so and names the variant.
2. keep50 (tests/where/keep50.c: 50 MiB in four threads' 1 MiB buffers,
   freed): glibc holds most of it unused at the end, and the report and the
   figure say so; glibc-mmap-fixed in the same run holds next to nothing,
   and the report gives its CPU time against glibc's.

Every cell's parts add up to its RSS at every sample (split.h).

usage: where_exec.py WIMM KEEP50 EXPECTED_ALLOCATORS(comma list)
Prints TAP.
"""
import csv
import glob
import os
import sys
import tempfile

from taplib import check, driver, finish, skip

WIMM, KEEP50 = sys.argv[1], sys.argv[2]
EXPECTED = [a for a in sys.argv[3].split(",") if a]
PYTHON = "/usr/bin/python3"
MIB = 1 << 20
DICT = "d = {}\nfor i in range(1000000):\n    d[i] = (str(i), i * 2.0)\nprint(len(d))\n"
PARTS = ["rss_file_bytes", "part_heap_bytes", "part_unused_bytes", "part_foreign_bytes",
         "part_unsplit_bytes"]

wimm = driver(WIMM, timeout=600)


def num(v):
    return int(v) if v not in ("", None) else 0


def exec_run(out, allocators, *cmd):
    r = wimm("exec", "-a", allocators, "--out", out, "--seed", "1", "--", *cmd)
    run_dir = os.path.realpath(os.path.join(out, "latest"))
    cells = {}
    if os.path.exists(os.path.join(run_dir, "cells.csv")):
        cells = {c["allocator"]: c for c in csv.DictReader(open(os.path.join(run_dir,
                                                                              "cells.csv")))}
    return r, run_dir, cells


def sums_hold(run_dir):
    bad = rows = 0
    for path in glob.glob(os.path.join(run_dir, "series", "*.tsv")):
        for row in csv.DictReader(open(path), delimiter="\t"):
            rows += 1
            bad += sum(num(row[k]) for k in PARTS) != num(row["rss_bytes"])
    check(rows > 0 and bad == 0, f"{rows} samples, {bad} whose parts do not add up to RSS")


def python_dict(tmp):
    if not os.access(PYTHON, os.X_OK):
        skip("python3 building a dict", f"{PYTHON} is not installed")
        return
    script = os.path.join(tmp, "bigdict.py")
    with open(script, "w") as f:
        f.write(DICT)
    base = [a for a in ["glibc", "jemalloc", "tcmalloc", "mimalloc"] if a == "glibc" or a in EXPECTED]
    r, run_dir, cells = exec_run(os.path.join(tmp, "py"), ",".join(base + ["python-malloc"]),
                                 PYTHON, script)
    check(r.returncode == 0, f"wimm exec python3 exits 0 (got {r.returncode}: {r.stderr[-400:]})")
    for name in base + ["python-malloc"]:
        c = cells.get(name)
        if not check(c is not None and c["status"] == "ok",
                     f"python3 under {name}: ok ({c and c['reason']})"):
            continue
        lib = {"jemalloc": "libjemalloc", "tcmalloc": "libtcmalloc",
               "mimalloc": "libmimalloc"}.get(name, "libc.so")
        check(lib in c["malloc_owner"], f"python3 under {name}: malloc served by "
                                        f"{c['malloc_owner']} ({lib})")
        rss = num(c["sampled_peak_rss_bytes"])
        foreign = num(c["peak_part_foreign_bytes"])
        share = foreign / rss if rss else 1
        print(f"# python3 {name}: peak {rss / MIB:.1f} MiB, not from malloc "
              f"{foreign / MIB:.1f} MiB ({share:.0%})")
        if name == "python-malloc":
            check(share < 0.15, f"python-malloc: not from malloc {share:.1%} of peak RSS < 15%")
        else:
            check(share > 0.5, f"{name}: not from malloc {share:.1%} of peak RSS > 50% "
                               "(pymalloc's arenas)")
    sums_hold(run_dir)
    report = open(os.path.join(run_dir, "report.md")).read()
    check("never came from malloc" in report and "pymalloc" in report
          and "python-malloc" in report,
          "report.md names the part not from malloc, pymalloc and the python-malloc variant")
    check(os.path.exists(os.path.join(run_dir, "plots", "python3-where.vars")),
          "a where-is-my-memory figure is written")


def keep50(tmp):
    r, run_dir, cells = exec_run(os.path.join(tmp, "keep"), "glibc,glibc-mmap-fixed", KEEP50)
    check(r.returncode == 0, f"wimm exec keep50 exits 0 (got {r.returncode}: {r.stderr[-400:]})")
    g, m = cells.get("glibc"), cells.get("glibc-mmap-fixed")
    if not check(g and m and g["status"] == "ok" and m["status"] == "ok", "both cells ok"):
        return
    gu, mu = num(g["end_part_unused_bytes"]), num(m["end_part_unused_bytes"])
    print(f"# keep50: held unused at the end: glibc {gu / MIB:.1f} MiB, "
          f"glibc-mmap-fixed {mu / MIB:.1f} MiB")
    check(gu > 40 * MIB, f"glibc holds {gu / MIB:.1f} MiB unused at the end (> 40 MiB)")
    check(num(g["end_held_bytes"]) >= gu, "held at the end counts it")
    check(mu < 4 * MIB, f"glibc-mmap-fixed holds {mu / MIB:.1f} MiB unused at the end (< 4 MiB)")
    sums_hold(run_dir)
    report = open(os.path.join(run_dir, "report.md")).read()
    check("glibc held" in report and "it did not use" in report,
          "report.md names glibc's held-but-unused memory at the end")
    check("glibc-mmap-fixed held" in report and "glibc's CPU time" in report,
          "report.md gives the fix and its CPU time against glibc's")
    vars_ = open(os.path.join(run_dir, "plots", "keep50-where.vars")).read()
    check('"glibc: ' in vars_ and "held unused" in vars_,
          "the figure's glibc panel names what it held unused")
    table = r.stdout
    check("RSS at the end" in table and "held by the allocator" in table,
          "the exec table has 'RSS at the end' and 'held by the allocator' rows")


def main():
    if os.environ.get("WIMM_UNDER_SANITIZER") == "1":
        skip("wimm exec where-is-my-memory", "ASan build: allocators cannot be preloaded")
        return
    tmp = tempfile.mkdtemp(prefix="wimm-where-")
    python_dict(tmp)
    keep50(tmp)


main()
finish()
