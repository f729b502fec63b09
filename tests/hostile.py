#!/usr/bin/env python3
"""Results files as untrusted input: what `wimm plot`, `compare` and
`baseline` do with run directories, baselines and histories that someone
else wrote (a committed baseline, a copied run, a damaged disk).

Each check feeds one bad input and states what must happen: an error that
names the file and the field (exit 2), never a command run by gnuplot, a
file written outside the results tree, a silent truncation or a hang.

usage: hostile.py WIMM FIXTURES_DIR (tests/fixtures)
Prints TAP.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

from taplib import check, finish

WIMM, FIX = sys.argv[1], sys.argv[2]
RUN = os.path.join(FIX, "report", "run")        # a whole run: plots and reports
CMP_RUN = os.path.join(FIX, "compare", "run")   # a small complete run: baselines
HISTORY = os.path.join(FIX, "history")
TMP = tempfile.mkdtemp(prefix="wimm-hostile-")


def wimm(*args, env=None, timeout=60):
    return subprocess.run([WIMM, *args], capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))


def copy_run(src, name):
    dst = os.path.join(TMP, name)
    shutil.copytree(src, dst)
    return dst


def edit_json(path, change):
    with open(path) as f:
        doc = json.load(f)
    change(doc)
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)


def says(r, *words):
    return all(w in r.stderr for w in words)


def owned(tag):
    """A file the shell would create if a command ran, and its command."""
    path = os.path.join(TMP, f"owned-{tag}")
    return path, f"x`touch {path}`"


def gnuplot_found():
    return shutil.which("gnuplot") is not None


def security_gnuplot():
    """Item 1: no text read back from results reaches gnuplot as a command."""
    env = {"WIMM_GNUPLOT": shutil.which("gnuplot") or "none"}
    cases = [
        ("meta.json", "run_id", lambda d, v: d["meta"].__setitem__("run_id", v)),
        ("meta.json", "allocators[1].name",
         lambda d, v: d["meta"]["allocators"][1].__setitem__("name", v)),
        ("meta.json", "workloads[0].name",
         lambda d, v: d["meta"]["workloads"][0].__setitem__("name", v)),
        ("summary.json", "cells[0].allocator",
         lambda d, v: d["summary"]["cells"][0].__setitem__("allocator", v)),
        ("summary.json", "cells[2].workload",
         lambda d, v: d["summary"]["cells"][2].__setitem__("workload", v)),
        ("summary.json", "cells[1].phases[1].name",
         lambda d, v: d["summary"]["cells"][1]["phases"][1].__setitem__("name", v)),
        ("summary.json", "run_id", lambda d, v: d["summary"].__setitem__("run_id", v)),
    ]
    for i, (fname, field, change) in enumerate(cases):
        run = copy_run(RUN, f"gp-{i}")
        path, value = owned(f"name-{i}")
        docs = {k: json.load(open(os.path.join(run, f"{k}.json"))) for k in ("meta", "summary")}
        change(docs, value)
        for k, d in docs.items():
            json.dump(d, open(os.path.join(run, f"{k}.json"), "w"))
        r = wimm("plot", run, env=env)
        check(not os.path.exists(path), f"{fname} {field} with backticks runs no command")
        check(r.returncode == 2 and says(r, fname, field, "not a name"),
              f"... and is an error naming {fname} and {field} (exit {r.returncode}: "
              f"{r.stderr[-300:]})")

    # Free text a child wrote (a failed cell's reason) is drawn, never run.
    run = copy_run(RUN, "gp-reason")
    path, value = owned("reason")

    def fail_first(s):
        # Every repetition of one group, so that a failed one is drawn.
        first = s["cells"][0]
        for c in s["cells"]:
            if all(c[k] == first[k] for k in ("workload", "threads", "allocator")):
                c["status"], c["reason"] = "failed", f"{value} \"q\" \\ $(id) @x"
    edit_json(os.path.join(run, "summary.json"), fail_first)
    r = wimm("plot", run, env=env)
    check(not os.path.exists(path) and r.returncode in (0, 3),
          f"a reason with backticks is drawn as text, no command (exit {r.returncode})")
    if gnuplot_found():
        vars_text = "".join(open(f).read() for f in glob.glob(os.path.join(run, "plots", "*.vars")))
        check("`" not in vars_text, "no backtick reaches a gnuplot vars file")

    # The history's names.
    res = copy_run(HISTORY, "gp-history")
    csv = glob.glob(os.path.join(res, "history", "*.csv"))[0]
    path, value = owned("history")
    lines = open(csv).read().splitlines()
    head = lines[0].split(",")
    row = lines[1].split(",")
    row[head.index("workload")] = value
    open(csv, "w").write("\n".join([lines[0], ",".join(row)] + lines[2:]) + "\n")
    r = wimm("plot", "--history", res, env=env)
    check(not os.path.exists(path), "a history workload with backticks runs no command")
    check(r.returncode == 2 and says(r, os.path.basename(csv), ":2", "workload", "not a name"),
          f"... and is an error naming the file, line and field (exit {r.returncode}: "
          f"{r.stderr[-300:]})")

    # A file name holds no '/': the command runs where gnuplot does.
    res = copy_run(HISTORY, "gp-history-name")
    hist = os.path.join(res, "history")
    path = os.path.join(hist, "plots", "owned-testbed")
    os.rename(os.path.join(hist, os.path.basename(csv)),
              os.path.join(hist, "x`touch owned-testbed`.csv"))
    r = wimm("plot", "--history", res, env=env)
    check(not os.path.exists(path) and r.returncode == 2 and says(r, "testbed"),
          f"a history file named with backticks: error, no command (exit {r.returncode}: "
          f"{r.stderr[-300:]})")


def security_testbed():
    """Item 2: meta.json's testbed never becomes a path outside its directory."""
    target = os.path.join(TMP, "escaped")
    out = os.path.join(TMP, "tb-out")
    os.makedirs(out)
    # From OUT/baseline/, enough ../ to reach / and then down to the target.
    depth = os.path.join(out, "baseline").count("/")
    evil = "../" * depth + target.lstrip("/")
    bad = [(evil, "a path"), ("x86_64\n2cpu", "a newline"), ("x" * 5000, "5000 characters"),
           ("", "empty"), ("a/b", "a slash"), ("..", "dot-dot")]
    for i, (tb, what) in enumerate(bad):
        run = copy_run(CMP_RUN, f"tb-{i}")
        edit_json(os.path.join(run, "meta.json"), lambda m: m.__setitem__("testbed", tb))
        r = wimm("baseline", "update", run, "--out", out)
        written = glob.glob(target + "*") + [p for p in glob.glob(os.path.join(out, "**"),
                                                                  recursive=True)
                                             if p.endswith(".json")]
        check(r.returncode == 2 and says(r, "meta.json", "testbed") and not written,
              f"baseline update, testbed {what}: exit 2 naming meta.json and testbed, nothing "
              f"written (exit {r.returncode}, {written}: {r.stderr[-200:]})")
        r = wimm("compare", os.path.join(out, "baseline"), run)
        check(r.returncode == 2 and says(r, "meta.json", "testbed"),
              f"compare BASELINE_DIR NEW, testbed {what}: exit 2 naming the field "
              f"(exit {r.returncode}: {r.stderr[-200:]})")
    # A baseline file whose own testbed is a path.
    run = copy_run(CMP_RUN, "tb-ok")
    r = wimm("baseline", "update", run, "--out", out)
    base = glob.glob(os.path.join(out, "baseline", "*.json"))
    check(r.returncode == 0 and len(base) == 1, f"a sound run makes a baseline ({r.stderr})")
    if base:
        edit_json(base[0], lambda b: b["meta"].__setitem__("testbed", evil))
        r = wimm("baseline", "update", base[0], "--out", out)
        check(r.returncode == 2 and says(r, "testbed") and not glob.glob(target + "*"),
              f"a baseline whose meta.testbed is a path is refused (exit {r.returncode})")


def main():
    security_gnuplot()
    security_testbed()
    shutil.rmtree(TMP, ignore_errors=True)
    finish()


if __name__ == "__main__":
    sys.exit(main())
