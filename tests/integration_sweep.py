#!/usr/bin/env python3
"""From symptom to fix on the command line, end to end: --sweep, inline
variants and allocator files given to -a, --idle, the settings jemalloc
reports, did-you-mean, and the progress output on a pipe and on a terminal.

The checks look at what the allocator did, not only at what wimm wrote:
glibc's arena count (the probe's figure) shows arena_max reached it, and
jemalloc's own report of its decay shows MALLOC_CONF did.

usage: integration_sweep.py WIMM SMALL_CHURN_YAML EXEC_TARGET EXPECTED_ALLOCATORS
Prints TAP.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

from taplib import check, finish, run_on_pty, skip

WIMM, WORKLOAD, TARGET = sys.argv[1], sys.argv[2], sys.argv[3]
EXPECTED = [a for a in sys.argv[4].split(",") if a]
ASAN = os.environ.get("WIMM_UNDER_SANITIZER") == "1"
WRAP = os.environ.get("WIMM_VALGRIND", "").split()


def wimm(*args, env=None):
    return subprocess.run([*WRAP, WIMM, *args], capture_output=True, text=True, env=env,
                          timeout=600)


def load_run(out):
    run = os.path.realpath(os.path.join(out, "latest"))
    meta = json.load(open(os.path.join(run, "meta.json")))
    summary = json.load(open(os.path.join(run, "summary.json")))
    cells = list(csv.DictReader(open(os.path.join(run, "cells.csv"))))
    return meta, summary, cells


def sweep_and_inline(tmp):
    """glibc and an inline variant of glibc-arena1, each swept over arena_max."""
    out = os.path.join(tmp, "sweep")
    r = wimm("run", WORKLOAD, "-t", "2", "-a", "glibc",
             "-a", "glibc-arena1:GLIBC_TUNABLES=glibc.malloc.trim_threshold=0",
             "--sweep", "GLIBC_TUNABLES=glibc.malloc.arena_max={1,2}", "--idle", "300ms",
             "--out", out, "--seed", "3")
    if not check(r.returncode == 0, f"run with a sweep and an inline variant exits 0 "
                                    f"({r.returncode}: {r.stderr[-400:]})"):
        return
    meta, summary, cells = load_run(out)
    allocs = {a["name"]: a for a in meta["allocators"]}
    want = ["glibc", "glibc-arena_max-1", "glibc-arena_max-2", "glibc-arena1-trim_threshold-0",
            "glibc-arena1-trim_threshold-0-arena_max-1", "glibc-arena1-trim_threshold-0-arena_max-2"]
    check([a["name"] for a in meta["allocators"]] == want,
          f"each allocator followed by its sweep variants: {list(allocs)}")
    check(sorted(c["allocator"] for c in cells) == sorted(want) and
          all(c["status"] == "ok" for c in cells), f"one ok cell each: {len(cells)} cells")
    sw = meta["sweeps"]
    check(len(sw) == 1 and sw[0]["variable"] == "GLIBC_TUNABLES" and
          sw[0]["setting"] == "glibc.malloc.arena_max" and sw[0]["label"] == "arena_max" and
          sw[0]["values"] == ["1", "2"], f"meta.json records the sweep: {sw}")
    v = allocs.get("glibc-arena1-trim_threshold-0-arena_max-2", {})
    check(v.get("environment") == ["GLIBC_TUNABLES=glibc.malloc.arena_max=2:"
                                   "glibc.malloc.trim_threshold=0"] and
          v.get("derived_from") == "glibc-arena1-trim_threshold-0" and v.get("sweep") == ["2"]
          and v.get("variant_of") == "glibc",
          f"a sweep variant's full definition: {v}")
    inl = allocs.get("glibc-arena1-trim_threshold-0", {})
    check(inl.get("environment") == ["GLIBC_TUNABLES=glibc.malloc.arena_max=1:"
                                     "glibc.malloc.trim_threshold=0"] and
          inl.get("derived_from") == "glibc-arena1" and inl.get("sweep") is None and
          inl.get("source", "").startswith("-a glibc-arena1:"),
          f"the inline variant keeps glibc-arena1's arena_max=1: {inl}")
    check(allocs["glibc"]["sweep"] is None and allocs["glibc"]["derived_from"] is None,
          "the allocator itself runs as the reference, with no sweep value")
    check(meta["idle_s"] == 0.3, f"meta.json records --idle: {meta['idle_s']}")
    fig = os.path.join(os.path.realpath(os.path.join(out, "latest")), "plots",
                       os.path.basename(WORKLOAD).rsplit(".", 1)[0] + "-t2-sweep-arena_max.vars")
    vars_ = open(fig).read() if os.path.exists(fig) else ""
    lt = next((ln for ln in vars_.splitlines() if ln.startswith("array lt_of")), "")
    lines = next((ln for ln in vars_.splitlines() if ln.startswith("array line[")), "")
    ids = lt.split("= [")[-1].rstrip("]").split(", ") if lt else []
    check(lines.count('"') == 4 and len(ids) == 2 and len(set(ids)) == 2,
          f"the sweep figure: one line per allocator swept, each its own style ({lines}; {lt})")
    rest = [p for c in summary["cells"] for p in c["phases"] if p["name"] == "rest"]
    check(rest and all(0.29 <= p["duration_s"] <= 0.6 for p in rest),
          f"every idle phase lasted --idle 300ms (the workload says 100 ms): "
          f"{sorted(round(p['duration_s'], 3) for p in rest)}")
    if ASAN:
        skip("glibc's arena count follows arena_max", "ASan build: no probe")
        return
    arenas = {c["allocator"]: int(c["arenas"] or -1) for c in cells}
    check(arenas["glibc-arena_max-1"] == 1 and
          arenas["glibc-arena1-trim_threshold-0"] == 1 and
          arenas["glibc-arena1-trim_threshold-0-arena_max-2"] <= 2 and
          arenas["glibc"] > 1,
          f"glibc's own arena count follows the settings (2 threads): {arenas}")


def jemalloc_decay(tmp):
    if "jemalloc" not in EXPECTED or ASAN:
        skip("jemalloc reports the swept decay", "jemalloc not installed" if not ASAN else
             "ASan build: no other allocator")
        return
    out = os.path.join(tmp, "decay")
    r = wimm("run", WORKLOAD, "-t", "1", "-a", "jemalloc",
             "--sweep", "MALLOC_CONF=dirty_decay_ms:{0,1000}", "--out", out)
    if not check(r.returncode == 0, f"jemalloc decay sweep exits 0 ({r.stderr[-300:]})"):
        return
    meta, _, _ = load_run(out)
    got = {a["name"]: a["settings"] for a in meta["allocators"]}
    base = got.get("jemalloc") or {}
    check(isinstance(base.get("dirty_decay_ms"), int) and
          isinstance(base.get("background_thread"), bool),
          f"jemalloc's own decay settings recorded: {base}")
    check((got.get("jemalloc-dirty_decay_ms-0") or {}).get("dirty_decay_ms") == 0 and
          (got.get("jemalloc-dirty_decay_ms-1000") or {}).get("dirty_decay_ms") == 1000,
          f"jemalloc itself reports each swept value: {got}")


def advice(tmp):
    """The tile cache's symptom under glibc with threads (RSS far above the
    heap, freed tiles stranded in per-thread arenas), the sweep value that
    fixes it, named with its gain and cost at the end of the output and in
    the report; the spread beside the medians of two repetitions."""
    if ASAN or WRAP:
        skip("advice names the measured fix", "no probe under a sanitizer or valgrind")
        return
    out = os.path.join(tmp, "advice")
    r = wimm("run", "tile-cache", "--quick", "-t", "4", "-r", "2", "-a", "glibc",
             "--sweep", "GLIBC_TUNABLES=glibc.malloc.arena_max={1}", "--out", out)
    if not check(r.returncode == 0, f"tile cache with an arena_max sweep exits 0 "
                                    f"({r.stderr[-300:]})"):
        return
    meta, summary, _ = load_run(out)
    g = {x["allocator"]: x for x in summary["groups"]}
    ratio = lambda a: g[a]["work_end_rss_over_heap"]["median"]
    text = " ".join(r.stdout.split())  # unwrapped
    tail = text[text.find("advice, tile-cache:"):] if "advice, tile-cache:" in text else ""
    # Whether glibc's threads strand tiles depends on how they interleave
    # (a loaded machine runs them one after the other): the advice must
    # follow whatever the run measured.
    end, peak = ratio("glibc"), g["glibc"]["blowup"]["median"]
    base = max(end, peak)  # judged at the end of the work or the peaks, the higher
    peak0 = g["glibc"]["peak_rss_bytes"]["median"]
    peak1 = g["glibc-arena_max-1"]["peak_rss_bytes"]["median"]
    said = (f"Symptom: under glibc with 4 threads, peak RSS was {peak:.2f}x the peak heap"
            if peak > end else
            f"Symptom: under glibc with 4 threads, RSS was {end:.2f}x the heap")
    if base < 1.5:
        check(said not in text, f"no symptom below 1.5x ({base}): {tail[:300]!r}")
    elif peak1 <= 0.9 * peak0:
        check(said in tail and f"Measured fix: glibc-arena_max-1 (arena_max=1) peaked at "
              f"{peak1 / 1048576:.1f} MiB instead of {peak0 / 1048576:.1f} MiB" in tail and
              "CPU time" in tail and "suggestion" not in tail,
              f"the end of the output names the symptom and the measured fix: {tail[:600]!r}")
    else:
        check(said in tail and "None of the 1 variant of glibc" in tail,
              f"a variant that did not help is not called a fix: {tail[:600]!r}")
    check(r.stdout.rstrip().endswith(f"results: {os.path.realpath(os.path.join(out, 'latest'))}")
          or "results:" in r.stdout.splitlines()[-1],
          "the results path is still the last line")
    peak = [ln for ln in r.stdout.splitlines() if ln.strip().startswith("peak RSS ")]
    check(peak and peak[0].count("(") == 2 and "min-max over the repetitions" in r.stdout,
          f"each median with its min-max: {peak[:1]}")
    run = os.path.realpath(os.path.join(out, "latest"))
    said_sweep = ("Sweeping arena_max with 4 threads, glibc's peak RSS was lowest at arena_max=1"
                  if peak1 <= 0.95 * peak0 else
                  "Sweeping arena_max with 4 threads, no value lowered glibc's peak RSS")
    check(said_sweep in text, f"the sweep's finding is printed: {said_sweep}")
    fig = os.path.join(run, "plots", "tile-cache-t4-sweep-arena_max")
    tsv = open(fig + ".tsv").read() if os.path.exists(fig + ".tsv") else ""
    rows = [ln.split("\t") for ln in tsv.splitlines() if ln and ln[0].isdigit()]
    want = g["glibc-arena_max-1"]["peak_rss_bytes"]["median"] / 1048576
    check(rows and abs(float(rows[0][1]) - want) < 0.01 * want,
          f"the sweep figure's data: arena_max=1 at its peak RSS in MiB ({rows[:1]}, {want:.3f})")
    md = open(os.path.join(run, "report.md")).read()
    html = open(os.path.join(run, "report.html")).read()
    if base >= 1.5:
        check("**Advice**" in md and said in md and said in html,
              "report.md and report.html carry the advice")
    check("min-max over the repetitions" in md and "min-max over the repetitions" in html,
          "report.md and report.html say what the brackets hold")


def exec_variants(tmp):
    """wimm exec: an allocator file and an inline variant in one -a."""
    yaml = os.path.join(tmp, "my-glibc.yaml")
    with open(yaml, "w") as f:
        f.write("name: my-glibc\nvariant_of: glibc\nenvironment:\n"
                "  GLIBC_TUNABLES: glibc.malloc.arena_max=1\n")
    out = os.path.join(tmp, "exec")
    r = wimm("exec", "-a", f"{yaml},glibc:MALLOC_ARENA_TEST=1 MALLOC_TOP_PAD_=0", "--out", out,
             "--", TARGET)
    if not check(r.returncode == 0, f"exec with a file and an inline variant exits 0 "
                                    f"({r.returncode}: {r.stderr[-300:]})"):
        return
    meta, _, cells = load_run(out)
    allocs = {a["name"]: a for a in meta["allocators"]}
    check(set(allocs) == {"my-glibc", "glibc-MALLOC_ARENA_TEST-1-MALLOC_TOP_PAD_-0"} and
          all(c["status"] == "ok" for c in cells), f"both ran: {sorted(allocs)}")
    check(allocs.get("my-glibc", {}).get("source") == yaml,
          f"the file is recorded as the allocator's source: {allocs.get('my-glibc')}")
    inl = allocs.get("glibc-MALLOC_ARENA_TEST-1-MALLOC_TOP_PAD_-0", {})
    check(inl.get("environment") == ["MALLOC_ARENA_TEST=1", "MALLOC_TOP_PAD_=0"],
          f"two variables, separated by a blank: {inl.get('environment')}")


def refused(tmp):
    bad = os.path.join(tmp, "bad.yaml")
    with open(bad, "w") as f:
        f.write("name: bad\nlibary: x.so\n")
    taken = os.path.join(tmp, "taken.yaml")
    with open(taken, "w") as f:
        f.write("name: glibc\nenvironment:\n  MALLOC_ARENA_TEST: 1\n")
    cases = [
        (["run", WORKLOAD, "-a", "jemallc"], "did you mean 'jemalloc'?"),
        (["run", WORKLOAD, "-a", "nosuch:A=1"], "unknown allocator 'nosuch'"),
        (["run", WORKLOAD, "-a", "glibc:LD_PRELOAD=/x.so"], "LD_PRELOAD cannot be set"),
        (["run", WORKLOAD, "-a", "glibc:WIMM_SCOREBOARD=3"], "WIMM_* variables are wimm's own"),
        (["run", WORKLOAD, "-a", "glibc:"], "nothing after 'glibc:'"),
        (["run", WORKLOAD, "-a", "glibc,,jemalloc"], "an empty item"),
        (["run", WORKLOAD, "-a", os.path.join(tmp, "missing.yaml")], "missing.yaml"),
        (["run", WORKLOAD, "-a", bad], "bad.yaml:2:1: unknown key 'libary'"),
        (["run", WORKLOAD, "-a", taken], "the name 'glibc' is taken by"),
        (["run", WORKLOAD, "--sweep", "WIMM_X={1,2}"], "WIMM_* variables are wimm's own"),
        (["run", WORKLOAD, "--sweep", "LD_PRELOAD={/a.so,/b.so}"], "LD_PRELOAD cannot be set"),
        (["run", WORKLOAD, "--sweep", "GLIBC_TUNABLES=glibc.malloc.arena_max=2"], "no {...}"),
        (["run", WORKLOAD, "--sweep", "A={1,2}", "--sweep", "A={3}"], "A is swept twice"),
        (["run", WORKLOAD, "--idle", "0s"], "--idle 0s: expected a duration from 1ms"),
        (["run", WORKLOAD, "--idle", "5"], "--idle 5: expected a duration"),
        (["run", "small-chur"], "no workload 'small-chur'"),
        (["run", WORKLOAD, "--intervl", "5ms"], "did you mean '--interval'?"),
        (["exec", "--sweeep", "A={1}", "--", TARGET], "did you mean '--sweep'?"),
        (["rn"], "did you mean 'run'?"),
    ]
    for args, want in cases:
        r = wimm(*args, "--out", os.path.join(tmp, "refused")) if args[0] == "run" else wimm(*args)
        check(r.returncode == 2 and want in r.stderr,
              f"{' '.join(a.replace(tmp, '$TMP') for a in args)}: exit 2 saying \"{want}\" "
              f"(exit {r.returncode}: {r.stderr.strip()[-200:]})")
    check(not os.path.exists(os.path.join(tmp, "refused", "runs")) or
          not os.listdir(os.path.join(tmp, "refused", "runs")), "nothing ran for a refused input")
    presets = os.path.dirname(WORKLOAD)
    r = wimm("run", "small-chur", env=dict(os.environ, WIMM_WORKLOADS_DIR=presets))
    check(r.returncode == 2 and "did you mean 'small-churn'?" in r.stderr,
          f"a preset name with a typo: {r.stderr.strip()[-160:]}")


def read_pty(args, env):
    """Runs wimm with stderr on a terminal; returns (exit code, what it wrote there)."""
    return run_on_pty([*WRAP, WIMM, *args], env)


def progress(tmp):
    base = ["run", WORKLOAD, "-t", "1", "-a", "glibc", "--idle", "600ms", "--out",
            os.path.join(tmp, "progress")]
    r = wimm(*base)
    check(r.returncode == 0 and "[1/1] small-churn, 1 thread, glibc, rep 1 (" in r.stderr and
          "elapsed)" in r.stderr and "\r" not in r.stderr and " run in " in r.stderr,
          f"on a pipe: a plain line per cell with the elapsed time: {r.stderr[:300]!r}")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["TERM"] = "xterm"
    code, text = read_pty(base, env)
    check(code == 0 and "\r[1/1] " in text and "\033[K" in text and
          "| small-churn, 1 thread, glibc, rep 1 | rest, " in text and " MiB" in text,
          f"on a terminal: one line redrawn in place with the phase and RSS: {text[:400]!r}")
    redraws = text.count("\r[1/1] ")
    _, summary, _ = load_run(os.path.join(tmp, "progress"))
    wall = summary["cells"][0]["wall_s"]
    # Sampled every 10 ms, the line would be drawn ~100 times a second
    # without its bound; with it, at the cell's start and 4 times a second.
    check(2 <= redraws <= 4 * (wall + 0.5) + 1,
          f"redrawn at a bounded rate (4 a second): {redraws} times in a cell of {wall:.2f} s")
    env["TERM"] = "dumb"
    code, text = read_pty(base, env)
    check(code == 0 and "\r[" not in text and "elapsed)" in text,
          f"TERM=dumb: plain lines on a terminal too: {text[:200]!r}")
    env["TERM"] = "xterm"
    env["NO_COLOR"] = "1"
    code, text = read_pty(base, env)
    check(code == 0 and "\r[" not in text and "elapsed)" in text,
          f"NO_COLOR: plain lines on a terminal too: {text[:200]!r}")


def main():
    tmp = tempfile.mkdtemp(prefix="wimm-sweep-")
    sweep_and_inline(tmp)
    jemalloc_decay(tmp)
    advice(tmp)
    exec_variants(tmp)
    refused(tmp)
    progress(tmp)
    finish()


main()
