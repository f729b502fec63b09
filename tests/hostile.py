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
import stat
import subprocess
import sys
import tempfile

from taplib import check, driver, finish

WIMM, FIX = sys.argv[1], sys.argv[2]
RUN = os.path.join(FIX, "report", "run")        # a whole run: plots and reports
CMP_RUN = os.path.join(FIX, "compare", "run")   # a small complete run: baselines
HISTORY = os.path.join(FIX, "history")
TMP = tempfile.mkdtemp(prefix="wimm-hostile-")


# Not under valgrind: some checks are that a reader answers within seconds.
wimm = driver(WIMM, timeout=60, wrap=False)


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

    # A phase name is a program's label (a trace's, the marker API's): any
    # text without control characters, drawn and quoted, never run.
    run = copy_run(RUN, "gp-phase")
    path = os.path.join(run, "plots", "owned-phase")  # gnuplot runs in plots/
    edit_json(os.path.join(run, "summary.json"),
              lambda s: [p.__setitem__("name", "w`touch owned-phase`") for c in s["cells"]
                         for p in c["phases"][1:2]])
    r = wimm("plot", run, env=env)
    check(not os.path.exists(path) and r.returncode in (0, 3),
          f"a phase name with backticks is drawn as text, no command (exit {r.returncode}: "
          f"{r.stderr[-200:]})")
    edit_json(os.path.join(run, "summary.json"),
              lambda s: s["cells"][0]["phases"][1].__setitem__("name", "a\x1b[31mb"))
    r = wimm("plot", run, env=env)
    check(r.returncode == 2 and says(r, "cells[0].phases[1].name", "control characters"),
          f"a phase name with a control character is refused (exit {r.returncode})")

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


def damaged_variants():
    """What meta.json says of sweeps and variants reaches the findings, the
    figures and the commands the advice gives: a damaged field is refused,
    named, and nothing in it ever runs."""
    path, cmd = owned("variant")
    sweep = {"argument": "GLIBC_TUNABLES=glibc.malloc.arena_max={1,2}",
             "variable": "GLIBC_TUNABLES", "setting": "glibc.malloc.arena_max",
             "label": "arena_max", "values": ["1", "2"]}
    cases = [
        ("sweeps", lambda m: m.__setitem__("sweeps", "x"), "expected an array"),
        ("sweeps[0].values", lambda m: m.__setitem__("sweeps", [dict(sweep, values=[])]),
         "a sweep without values"),
        ("sweeps[0].label", lambda m: m.__setitem__("sweeps", [dict(sweep, label=cmd)]), ""),
        ("sweeps[0].values[0]",
         lambda m: m.__setitem__("sweeps", [dict(sweep, values=["1\x1b[2J"])]),
         "control characters"),
        ("allocators[1].sweep[0]",
         lambda m: (m.__setitem__("sweeps", [sweep]),
                    m["allocators"][1].__setitem__("sweep", ["3"])),
         "not one of the values"),
        ("allocators[2].settings",
         lambda m: m["allocators"][2].__setitem__("settings", {"dirty_decay_ms": cmd}),
         "a whole number, true, false or a word"),
        ("idle_s", lambda m: m.__setitem__("idle_s", -1), "idle_s"),
    ]
    for i, (field, change, words) in enumerate(cases):
        run = copy_run(RUN, f"variants-{i}")
        edit_json(os.path.join(run, "meta.json"), change)
        r = wimm("plot", run)
        head = field.split("[")[0].split(".")[0]
        check(r.returncode == 2 and says(r, "meta.json", head, words) and
              not os.path.exists(path),
              f"meta.json {field} damaged: exit 2 naming it, nothing run "
              f"(exit {r.returncode}: {r.stderr[-200:]})")


def damaged_figures():
    """Item 10: figures are validated on read; a damaged file is an error
    that names the file and field, never n/a that passes."""
    out = os.path.join(TMP, "dmg-out")
    r = wimm("baseline", "update", CMP_RUN, "--out", out)
    base = glob.glob(os.path.join(out, "baseline", "*.json"))[0]
    raw = open(base).read()
    cases = [("peak_rss_bytes", "NaN"), ("peak_rss_bytes", "Infinity"),
             ("peak_rss_bytes", "-Infinity"), ("peak_rss_bytes", '"123"'),
             ("peak_rss_bytes", "{}"), ("peak_rss_bytes", "-5"), ("peak_rss_bytes", "1.5"),
             ("blowup", "-1.0"), ("wall_s", "[1]"), ("idle_end_rss_bytes", "true"),
             ("threads", '"4"'), ("rep", "0"), ("rep", "-2")]
    def damage(text, key, value):
        """text with cells[0][key] replaced by the raw JSON value."""
        doc = json.loads(text)
        doc["cells"][0][key] = "@BAD@"
        return json.dumps(doc, indent=1).replace('"@BAD@"', value)

    for key, value in cases:
        path = os.path.join(TMP, "damaged.json")
        open(path, "w").write(damage(raw, key, value))
        r = wimm("compare", path, CMP_RUN)
        check(r.returncode == 2 and says(r, "damaged.json", f"cells[0].{key}"),
              f"BASE with {key} {value}: exit 2 naming the file and cells[0].{key} "
              f"(exit {r.returncode}: {r.stderr[-200:]})")
        # The same damage in a run directory's summary.json, as NEW.
        run = copy_run(CMP_RUN, f"dmg-{len(os.listdir(TMP))}")
        sp = os.path.join(run, "summary.json")
        text = open(sp).read()
        open(sp, "w").write(damage(text, key, value))
        r = wimm("compare", base, run)
        check(r.returncode == 2 and says(r, "summary.json", f"cells[0].{key}"),
              f"NEW with {key} {value}: exit 2 naming summary.json and cells[0].{key} "
              f"(exit {r.returncode}: {r.stderr[-200:]})")
    doc = json.loads(raw)
    for c in doc["cells"]:
        c["status"] = "unknown"
    path = os.path.join(TMP, "status.json")
    json.dump(doc, open(path, "w"))
    r = wimm("compare", path, CMP_RUN)
    check(r.returncode == 2 and says(r, "status.json", "cells[0].status"),
          f"a baseline whose every status is unknown: exit 2 (exit {r.returncode})")
    doc = json.loads(raw)
    doc["cells"].append(dict(doc["cells"][0]))
    json.dump(doc, open(path, "w"))
    r = wimm("compare", path, CMP_RUN)
    check(r.returncode == 2 and says(r, f"cells[{len(doc['cells']) - 1}].rep", "a second cell"),
          f"a cell given twice: exit 2 ({r.stderr[-200:]})")
    run = copy_run(CMP_RUN, "dmg-complete")
    edit_json(os.path.join(run, "summary.json"), lambda d: d.__setitem__("complete", "yes"))
    r = wimm("compare", base, run)
    check(r.returncode == 2 and says(r, "summary.json", "complete"),
          f"\"complete\": \"yes\" is an error (exit {r.returncode})")


def incomplete_new():
    """Item 9: compare must not pass what it cannot judge."""
    out = os.path.join(TMP, "inc-out")
    wimm("baseline", "update", CMP_RUN, "--out", out)
    base = glob.glob(os.path.join(out, "baseline", "*.json"))[0]

    def variant(name, change):
        run = copy_run(CMP_RUN, f"inc-{name}")
        edit_json(os.path.join(run, "summary.json"), change)
        return run

    def killed(s):
        s["cells"], s["groups"], s["complete"], s["cells_not_run"] = [], [], False, 8
    run = variant("killed", killed)
    r = wimm("compare", base, run)
    check(r.returncode == 4 and says(r, "no cell was compared"),
          f"NEW killed before its first cell: exit 4, said (exit {r.returncode}: "
          f"{r.stderr[-200:]})")
    r = wimm("compare", "--partial", base, run)
    check(r.returncode == 4, f"... also with --partial: nothing was judged (exit {r.returncode})")

    def interrupted(s):
        s["cells"] = s["cells"][:5]
        s["complete"], s["cells_not_run"] = False, 3
    run = variant("interrupted", interrupted)
    r = wimm("compare", base, run)
    check(r.returncode == 4 and says(r, "NEW was interrupted", "--partial") and
          "incomplete" in r.stdout,
          f"an interrupted NEW: exit 4, says why and what to do (exit {r.returncode}: "
          f"{r.stderr[-300:]})")
    r = wimm("compare", "--partial", base, run)
    check(r.returncode == 0 and "--partial" in r.stdout,
          f"... --partial judges what both have: exit 0 (exit {r.returncode}: {r.stderr[-200:]})")

    def lacks_cell(s):
        s["cells"] = [c for c in s["cells"] if (c["threads"], c["allocator"]) != (1, "jemalloc")]
    run = variant("lacks", lacks_cell)
    r = wimm("compare", base, run)
    check(r.returncode == 4 and says(r, "1 cell BASE has is not in NEW"),
          f"a complete NEW without cells BASE has: exit 4 (exit {r.returncode}: "
          f"{r.stderr[-200:]})")

    def lacks_figure(s):
        for c in s["cells"]:
            if (c["threads"], c["allocator"]) == (4, "jemalloc"):
                c["peak_rss_bytes"] = None
    run = variant("na", lacks_figure)
    r = wimm("compare", base, run)
    check(r.returncode == 4 and says(r, "1 figure BASE has is n/a in NEW"),
          f"a figure n/a in NEW only: exit 4 (exit {r.returncode}: {r.stderr[-200:]})")
    r = wimm("compare", base, CMP_RUN)
    check(r.returncode == 0, f"the run against its own baseline: exit 0 ({r.stderr[-200:]})")


def map_names():
    """Item 15: --map names allocators of the runs, once each."""
    for args, why in [(["--map", "nosuch=glibc"], "BASE has no allocator nosuch"),
                      (["--map", "glibc=nosuch"], "NEW has no allocator nosuch"),
                      (["--map", "glibc=jemalloc", "--map", "glibc=glibc"], "mapped twice"),
                      (["--map", "jemalloc=glibc", "--map", "glibc=glibc"], "mapped twice"),
                      (["--map", "a`b`=glibc"], "two allocator names")]:
        r = wimm("compare", *args, CMP_RUN, CMP_RUN)
        check(r.returncode == 2 and says(r, why),
              f"compare {' '.join(args)}: exit 2, '{why}' (exit {r.returncode}: "
              f"{r.stderr[-200:]})")


def outputs():
    """Item 14: what the user asked for and could not get is exit 3 with a
    reason; every other non-zero exit says why too."""
    pair = [CMP_RUN, CMP_RUN]
    # Through a link: a wimm that replaced its output by rename (as an
    # older one did) replaces the link, never the machine's /dev/full.
    full = os.path.join(TMP, "full")
    os.symlink("/dev/full", full)
    for opt in ([f"--json={full}"], [f"--markdown={full}"], ["--export-gab", full]):
        r = wimm("compare", *opt, *pair)
        check(r.returncode == 3 and says(r, full, "No space left"),
              f"compare {' '.join(opt)}: exit 3 with the reason (exit {r.returncode}: "
              f"{r.stderr[-200:]})")
    check(os.path.islink(full) and not os.path.isfile(full),
          "a device is written in place, not replaced")
    out = os.path.join(TMP, "out-base")
    if not stat.S_ISCHR(os.stat("/dev/full").st_mode):
        check(False, "/dev/full is not the full device on this machine: restore it with "
              "rm /dev/full && mknod -m 666 /dev/full c 1 7")
        return
    full = open("/dev/full", "a")
    for args in (["compare", *pair], ["compare", "--json", *pair], ["plot", "--help"],
                 ["baseline", "update", CMP_RUN, "--out", out], ["baseline", "path"]):
        r = subprocess.run([WIMM, *args], stdout=full, stderr=subprocess.PIPE, text=True,
                           timeout=60, env=dict(os.environ, WIMM_GNUPLOT="none"))
        check(r.returncode == 3 and "cannot write to standard output" in r.stderr,
              f"{' '.join(args[:2])} with stdout on /dev/full: exit 3 with the reason "
              f"(exit {r.returncode}: {r.stderr[-200:]})")
    full.close()

    res = os.path.join(TMP, "hist-empty")
    os.makedirs(os.path.join(res, "history"))
    r = wimm("plot", "--history", res)
    check(r.returncode == 2 and says(r, "no history"),
          f"plot --history with no file: exit 2, said (exit {r.returncode})")
    csv = os.path.join(res, "history", "x86_64-2cpu-t.csv")
    open(csv, "w").close()
    r = wimm("plot", "--history", res)
    check(r.returncode == 2 and says(r, "x86_64-2cpu-t.csv", "empty"),
          f"plot --history with an empty file: exit 2, said (exit {r.returncode}: {r.stderr})")
    open(csv, "w").write(open(glob.glob(os.path.join(HISTORY, "history", "*.csv"))[0])
                         .readline())
    r = wimm("plot", "--history", res)
    check(r.returncode == 2 and says(r, "no run"),
          f"plot --history with a header only: exit 2, said (exit {r.returncode}: {r.stderr})")
    os.unlink(csv)
    os.makedirs(csv)
    r = wimm("plot", "--history", res)
    check(r.returncode == 2 and says(r, "x86_64-2cpu-t.csv", "directory"),
          f"plot --history with a directory named .csv: exit 2, said (exit {r.returncode}: "
          f"{r.stderr})")


def special_files():
    """Readers refuse what is not a regular file, and read with a limit."""
    def fifo_in(src, name, what):
        run = copy_run(src, f"sp-{what}")
        os.unlink(os.path.join(run, name))
        os.mkfifo(os.path.join(run, name))
        return run

    for name in ("summary.json", "meta.json"):
        run = fifo_in(CMP_RUN, name, name.split(".")[0])
        for args in (["plot", run], ["compare", run, CMP_RUN], ["compare", CMP_RUN, run],
                     ["baseline", "update", run, "--out", os.path.join(TMP, "sp-out")]):
            try:
                r = wimm(*args, env={"WIMM_GNUPLOT": "none"}, timeout=20)
                ok = r.returncode == 2 and says(r, name, "not a regular file")
                detail = f"exit {r.returncode}: {r.stderr[-200:]}"
            except subprocess.TimeoutExpired:
                ok, detail = False, "hung"
            check(ok, f"{name} a FIFO: {args[0]} refuses it, naming it ({detail})")
    run = copy_run(CMP_RUN, "sp-zero")
    os.unlink(os.path.join(run, "summary.json"))
    os.symlink("/dev/zero", os.path.join(run, "summary.json"))
    try:
        r = wimm("compare", run, CMP_RUN, timeout=20)
        ok, detail = r.returncode == 2 and says(r, "not a regular file"), r.stderr[-200:]
    except subprocess.TimeoutExpired:
        ok, detail = False, "hung"
    check(ok, f"summary.json -> /dev/zero: refused ({detail})")

    # A sound summary.json followed by 3 GB of zeros (a sparse file).
    run = copy_run(CMP_RUN, "sp-big")
    with open(os.path.join(run, "summary.json"), "r+b") as f:
        f.truncate(3 << 30)
    for args in (["compare", run, CMP_RUN], ["plot", run]):
        p = subprocess.Popen([WIMM, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=dict(os.environ, WIMM_GNUPLOT="none"))
        _, status, usage = os.wait4(p.pid, 0)
        err = p.stderr.read().decode()
        p.stdout.close()
        p.stderr.close()
        rss_mib = usage.ru_maxrss / 1024
        check(os.waitstatus_to_exitcode(status) == 2 and "MiB a wimm results file may have" in err and
              rss_mib < 100,
              f"{args[0]}: summary.json + 3 GB of zeros refused with {rss_mib:.0f} MiB peak RSS "
              f"({err[-160:]})")

    run = copy_run(RUN, "sp-series")
    series = sorted(glob.glob(os.path.join(run, "series", "*.tsv")))[0]
    os.unlink(series)
    os.mkfifo(series)
    try:
        r = wimm("plot", run, env={"WIMM_GNUPLOT": "none"}, timeout=30)
        ok = says(r, os.path.basename(series), "not a regular file")
        detail = f"exit {r.returncode}: {r.stderr[-200:]}"
    except subprocess.TimeoutExpired:
        ok, detail = False, "hung"
    check(ok, f"a series that is a FIFO: plot goes on and says which ({detail})")

    res = copy_run(HISTORY, "sp-history")
    csv = glob.glob(os.path.join(res, "history", "*.csv"))[0]
    os.unlink(csv)
    os.mkfifo(csv)
    try:
        r = wimm("plot", "--history", res, env={"WIMM_GNUPLOT": "none"}, timeout=20)
        ok = r.returncode == 2 and says(r, os.path.basename(csv), "not a regular file")
        detail = f"exit {r.returncode}: {r.stderr[-200:]}"
    except subprocess.TimeoutExpired:
        ok, detail = False, "hung"
    check(ok, f"a history file that is a FIFO: refused ({detail})")

    # A series path that leaves the run directory.
    run = copy_run(CMP_RUN, "sp-path")
    edit_json(os.path.join(run, "summary.json"),
              lambda s: s["cells"][0].__setitem__("series", "../../../../etc/passwd"))
    r = wimm("plot", run, env={"WIMM_GNUPLOT": "none"})
    check(r.returncode == 2 and says(r, "summary.json", "cells[0].series"),
          f"a series path out of the run: exit 2 naming the field (exit {r.returncode})")


def fuzz_findings():
    """Each input the fuzzer found a reader crash on (tests/fixtures/
    results-crashes/KIND-NAME): read by the command that reads that kind of
    file, it must end with an exit code and a message, not a signal."""
    crashes = sorted(glob.glob(os.path.join(FIX, "results-crashes", "*")))
    for path in crashes:
        kind = os.path.basename(path).split("-")[0]
        run = copy_run(CMP_RUN, f"crash-{os.path.basename(path)}")
        if kind == "history":
            os.makedirs(os.path.join(run, "history"))
            shutil.copy(path, os.path.join(run, "history", "x86_64-2cpu-t.csv"))
            args = ["plot", "--history", run]
        elif kind in ("summary", "meta"):
            shutil.copy(path, os.path.join(run, f"{kind}.json"))
            args = ["plot", run]
        elif kind == "baseline":
            args = ["compare", path, CMP_RUN]
        else:  # series
            os.makedirs(os.path.join(run, "series"), exist_ok=True)
            edit_json(os.path.join(run, "summary.json"),
                      lambda s: s["cells"][0].__setitem__("series", "series/crash.tsv"))
            shutil.copy(path, os.path.join(run, "series", "crash.tsv"))
            args = ["plot", run]
        r = wimm(*args, env={"WIMM_GNUPLOT": "none"}, timeout=60)
        check(r.returncode in (0, 1, 2, 3, 4) and r.stderr.strip(),
              f"fuzz finding {os.path.basename(path)}: {args[0]} ends cleanly "
              f"(exit {r.returncode}: {r.stderr.strip()[-160:]})")


def main():
    security_gnuplot()
    security_testbed()
    damaged_figures()
    damaged_variants()
    incomplete_new()
    map_names()
    outputs()
    special_files()
    fuzz_findings()
    shutil.rmtree(TMP, ignore_errors=True)
    finish()


if __name__ == "__main__":
    sys.exit(main())
