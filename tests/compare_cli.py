#!/usr/bin/env python3
"""`wimm compare` and `wimm baseline` as a user runs them: exit codes, what
they print, the Markdown, JSON and github-action-benchmark outputs, and the
errors for bad input. The verdicts themselves are test_compare.c's.

usage: compare_cli.py WIMM FIXTURES_DIR (tests/fixtures/compare)
Prints TAP.
"""
import json
import os
import sys
import tempfile

from taplib import check, driver, finish, run_on_pty, skip

WIMM, FIX = sys.argv[1], sys.argv[2]
wimm = driver(WIMM, timeout=120)


def fx(name):
    return os.path.join(FIX, name)


def pair(name, *opts):
    return wimm("compare", *opts, fx(f"{name}-base.json"), fx(f"{name}-new.json"))


def main():
    tmp = tempfile.mkdtemp(prefix="wimm-cmp-")

    r = wimm("compare", "--help")
    check(r.returncode == 0 and "exit codes" in r.stdout and "--export-gab" in r.stdout,
          "compare --help lists the options and exit codes")
    r = wimm("baseline", "--help")
    check(r.returncode == 0 and "exit codes" in r.stdout, "baseline --help lists exit codes")

    r = pair("regression")
    check(r.returncode == 1, f"a regression exits 1 (got {r.returncode}: {r.stderr})")
    check("tile-cache, threads 4, glibc: peak RSS" in r.stdout and "WORSE" in r.stdout,
          "the regression is named with its figures")
    check("every repetition failed" not in r.stdout and "all 9 repetitions failed" in r.stdout,
          "a cell failing in NEW is a regression")
    # On a terminal the marks are coloured; not on a pipe (above), nor
    # with NO_COLOR or TERM=dumb.
    argv = [WIMM, "compare", fx("regression-base.json"), fx("regression-new.json")]
    env = dict(os.environ, TERM="xterm")
    env.pop("NO_COLOR", None)
    code, text = run_on_pty(argv, env, stream="stdout")
    check(code == 1 and "\033[1;31mWORSE" in text and "\033[0m" in text,
          f"a terminal gets WORSE in red: {text[:120]!r}")
    check("\033[" not in r.stdout, "a pipe gets no escape")
    for extra in ({"NO_COLOR": "1"}, {"TERM": "dumb"}):
        code, text = run_on_pty(argv, dict(env, **extra), stream="stdout")
        check(code == 1 and "WORSE" in text and "\033[" not in text,
              f"{extra}: plain marks on a terminal")
    r = pair("noise")
    check(r.returncode == 0 and "0 worse, 0 better" in r.stdout,
          f"noise exits 0 (got {r.returncode})")
    r = pair("fewreps")
    check("time inconclusive in 1 cell" in r.stdout, "too few reps: time inconclusive, said")

    r = pair("context")
    check(r.returncode == 3, f"another testbed exits 3 (got {r.returncode})")
    check("CPU count differs: 2 in BASE, 4 in NEW" in r.stderr and
          "jemalloc version differs" in r.stderr and "--force" in r.stderr,
          "and says which differences and what to do")
    check(r.stdout == "", "and prints no verdicts")
    r = pair("context", "--force")
    check(r.returncode == 0 and "compared anyway" in r.stdout,
          f"--force compares and says so (got {r.returncode})")

    r = pair("regression", "--json")
    try:
        j = json.loads(r.stdout)
        cell = next(c for c in j["cells"] if (c["workload"], c["threads"], c["allocator"]) ==
                    ("tile-cache", 4, "glibc"))
        check(cell["metrics"]["peak_rss"]["mark"] == "worse" and
              cell["metrics"]["time"]["mark"] == "reference" and j["exit_code"] == 1 and
              j["counts"]["worse"] == 3, "--json: marks, counts and the exit code")
    except (ValueError, StopIteration, KeyError) as e:
        check(False, f"--json is JSON with the cells ({e}: {r.stdout[:200]})")
    r = pair("regression", "--markdown")
    check(r.stdout.startswith("### wimm compare: 3 cells regressed") and
          "| tile-cache | 4 | glibc | **worse** +88.6% |" in r.stdout,
          "--markdown: a heading and a table")
    gab = os.path.join(tmp, "gab.json")
    md = os.path.join(tmp, "cmp.md")
    r = pair("regression", "--export-gab", gab, f"--markdown={md}")
    try:
        g = json.load(open(gab))
        names = {e["name"]: e for e in g}
        e = names.get("tile-cache t4 glibc: peak RSS")
        check(r.returncode == 1 and "WORSE" in r.stdout and e and e["unit"] == "MiB" and
              abs(e["value"] - 266.1) < 0.1 and all({"name", "unit", "value"} <= set(x) for x in g),
              "--export-gab: customSmallerIsBetter entries, text still on stdout")
        check("tile-cache t4 glibc: time / glibc" not in names and
              "tile-cache t4 jemalloc: time / glibc" in names,
              "--export-gab: time as a ratio to glibc (not glibc's own)")
    except (OSError, ValueError) as e:
        check(False, f"--export-gab wrote JSON ({e})")
    check(os.path.exists(md) and open(md).read().startswith("### wimm compare"),
          "--markdown=FILE writes the file")
    r = pair("regression", "--json", "--markdown")
    check(r.returncode == 2, "--json and --markdown both on stdout: usage error")

    for args, why in [(["compare", fx("regression-base.json")], "expected BASE and NEW"),
                      (["compare", fx("nope.json"), fx("noise-new.json")], "cannot read"),
                      (["compare", fx("bad/no-cells.json"), fx("noise-new.json")],
                       "not a wimm summary"),
                      (["compare", fx("bad/not-json.json"), fx("noise-new.json")],
                       "is not valid JSON"),
                      (["compare", "--threshold", "rss=5", fx("noise-base.json"),
                        fx("noise-new.json")], "expected a percentage"),
                      (["compare", fx("bad"), fx("noise-new.json")], "no baseline for testbed"),
                      (["baseline", "update", fx("bad")], "is not a wimm run directory"),
                      (["baseline", "frobnicate"], "unknown baseline command")]:
        r = wimm(*args)
        check(r.returncode == 2 and why in r.stderr,
              f"{' '.join(args[:2])} ...: exit 2 with '{why}' (got {r.returncode}: {r.stderr})")

    # baseline update: refused for failed cells unless forced, then found by testbed
    r = wimm("baseline", "update", fx("regression-new.json"), "--out", tmp)
    check(r.returncode == 2 and "failed cells" in r.stderr, "a run with failed cells is refused")
    r = wimm("baseline", "update", fx("regression-new.json"), "--out", tmp, "--force")
    path = os.path.join(tmp, "baseline", "x86_64-2cpu-6.1.0-18-amd64.json")
    check(r.returncode == 0 and os.path.exists(path), f"--force writes {path}")
    r = wimm("baseline", "update", fx("run"), "--out", tmp)
    testbed = json.load(open(fx("run/meta.json")))["testbed"]
    path = os.path.join(tmp, "baseline", f"{testbed}.json")
    check(r.returncode == 0 and os.path.exists(path) and "2 reps" in r.stdout and
          "time cannot be tested" in r.stderr, "baseline of a 2-rep run, with its warning")
    b = json.load(open(path))
    check(b["wimm_baseline"] == 1 and b["testbed"] == testbed and b["meta"]["run_id"] and
          len(b["cells"]) == 8 and "phases" not in b["cells"][0],
          "the baseline carries the context and trimmed cells")
    r = wimm("compare", os.path.join(tmp, "baseline"), fx("run"))
    check(r.returncode == 0 and f"{testbed}.json" in r.stdout,
          "a directory of baselines as BASE: the one of NEW's testbed")
    finish()


if __name__ == "__main__":
    sys.exit(main())
