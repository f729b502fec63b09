#!/usr/bin/env python3
"""`wimm plot` and the end of `wimm run`: figures, scripts and reports.

usage: plot.py WIMM FIXTURE_RUN_DIR HISTORY_RESULTS_DIR SMALL_WORKLOAD_YAML
Prints TAP. Checks, on copies of the fixtures:
  - `wimm plot RUN` writes a PNG and an SVG per figure (the summary and one per
    workload and thread count), both well-formed, and report.md/.html;
  - the run directory re-renders by itself (plots/render.sh, moved away);
  - without gnuplot, the data and scripts are still written and the command
    says how to render them; `wimm run` still succeeds;
  - `wimm plot --history` draws each metric;
  - bad arguments exit 2.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from taplib import check, driver, finish, skip

WIMM, FIXTURE, HISTORY, WORKLOAD = sys.argv[1:5]


# Not under valgrind: gnuplot's figures are what is checked here.
wimm = driver(WIMM, timeout=300, wrap=False)


def fresh_run(work, name):
    run = os.path.join(work, name)
    shutil.copytree(FIXTURE, run)
    return run


def is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n" and os.path.getsize(path) > 10000


def svg_ok(path):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        return f"not well-formed: {e}"
    shapes = sum(1 for e in root.iter() if e.tag.split("}")[-1] in ("path", "polyline", "rect"))
    if not root.tag.endswith("svg") or shapes < 20:
        return f"root {root.tag}, {shapes} shapes"
    return ""


def figures_expected(run):
    """summary plus one per workload and thread count with a series."""
    names = {"summary"}
    for f in glob.glob(os.path.join(run, "series", "*.tsv")):
        stem = os.path.basename(f).rsplit("-r", 1)[0]  # tile-cache-t4-glibc
        with open(f) as series:
            parts = "part_unsplit_bytes" in series.readline().split("\t")
        for a in ("glibc-arena1", "glibc", "jemalloc", "tcmalloc"):
            if stem.endswith("-" + a):
                names.add(stem[:-len(a) - 1] + "-memory")
                if parts:  # a series from before the parts has no where figure
                    names.add(stem[:-len(a) - 1] + "-where")
                break
    return names


def with_gnuplot(work):
    run = fresh_run(work, "run")
    r = wimm("plot", run)
    if not check(r.returncode == 0, f"wimm plot exits 0 (got {r.returncode}: {r.stderr[-300:]})"):
        return
    names = figures_expected(run)
    check(len(names) == 5, f"five figures are expected: {sorted(names)}")
    for n in sorted(names):
        png, svg = (os.path.join(run, "plots", n + ext) for ext in (".png", ".svg"))
        check(os.path.exists(png) and is_png(png), f"{n}.png is a PNG")
        problem = svg_ok(svg) if os.path.exists(svg) else "missing"
        check(not problem, f"{n}.svg is a well-formed SVG with shapes {problem}")
        check(os.path.join(run, "plots", n + ".png") in r.stdout, f"{n}.png is listed on stdout")
    if shutil.which("rsvg-convert"):
        out = os.path.join(work, "summary-rsvg.png")
        rr = subprocess.run(["rsvg-convert", "-o", out, os.path.join(run, "plots", "summary.svg")],
                            capture_output=True, text=True)
        check(rr.returncode == 0 and is_png(out), f"rsvg-convert renders summary.svg {rr.stderr}")
    else:
        skip("rsvg-convert renders summary.svg", "rsvg-convert is not installed (librsvg2-bin)")
    md = open(os.path.join(run, "report.md")).read()
    check("![summary" in md and "(plots/tile-cache-t4-memory.png)" in md,
          "report.md shows the figures")
    html = open(os.path.join(run, "report.html")).read()
    check(html.count("<svg") == len(names), f"report.html inlines {len(names)} SVGs "
                                            f"(found {html.count('<svg')})")
    check("id='gpDot'" not in html and "id='f0-gpDot'" in html and "id='f1-gpDot'" in html,
          "the inlined SVGs' ids are made unique")
    check(os.access(os.path.join(run, "plots", "render.sh"), os.X_OK), "plots/render.sh is written")

    # Against work done: the progress column on x, so the allocators align.
    r = wimm("plot", "--against", "work", run)
    vars_ = open(os.path.join(run, "plots", "tile-cache-t4-memory.vars")).read()
    check(r.returncode == 0 and 'xcol = "progress"' in vars_ and "against work done" in vars_
          and is_png(os.path.join(run, "plots", "tile-cache-t4-memory.png")),
          f"plot --against work draws against the progress column ({r.stderr[-200:]})")
    r = wimm("plot", "--against", "space", run)
    check(r.returncode == 2 and "expected time or work" in r.stderr, "--against space: exit 2")
    wimm("plot", run)

    # The run directory alone re-renders: moved, without the source tree.
    moved = os.path.join(work, "moved")
    shutil.move(run, moved)
    for png in glob.glob(os.path.join(moved, "plots", "*.png")):
        os.unlink(png)
    rr = subprocess.run(["sh", os.path.join(moved, "plots", "render.sh")], capture_output=True,
                        text=True, timeout=120)
    check(rr.returncode == 0 and len(glob.glob(os.path.join(moved, "plots", "*.png"))) == len(names),
          f"render.sh redraws every figure in a moved run directory {rr.stderr[-200:]}")
    r = wimm("plot", moved, env={"WIMM_SCRIPTS_DIR": os.path.join(work, "nowhere")})
    check(r.returncode == 0, "wimm plot uses the run's own copy of the scripts when the source "
                             f"tree is gone ({r.stderr[-200:]})")

    hist = os.path.join(work, "history-results")
    shutil.copytree(HISTORY, hist)
    r = wimm("plot", "--history", hist)
    figs = glob.glob(os.path.join(hist, "history", "plots", "*.png"))
    check(r.returncode == 0 and len(figs) == 6,
          f"wimm plot --history draws six metrics ({len(figs)}; {r.stderr[-200:]})")
    # Forty runs: the dates must not overprint (a third of the width holds
    # about five).
    csv_path = os.path.join(hist, "history", "x86_64-2cpu-test.csv")
    lines = open(csv_path).read().splitlines()
    first = [ln for ln in lines[1:] if ln.startswith("20261101-090000")]
    with open(csv_path, "a") as f:
        for k in range(36):
            for ln in first:
                f.write(ln.replace("20261101-090000", f"20261201-{k:02d}0000")
                          .replace("2026-11-01T09", f"2026-12-01T{k % 24:02d}") + "\n")
    r = wimm("plot", "--history", hist)
    vars_ = open(os.path.join(hist, "history", "plots", "x86_64-2cpu-test-peak-rss.vars")).read()
    xt = next((ln for ln in vars_.splitlines() if ln.startswith("xtics_cmd")), "")
    check(r.returncode == 0 and 2 <= xt.count(" 20") + xt.count('"20') <= 5,
          f"forty runs: at most five dates under a third of the width ({xt[:200]})")
    svg = os.path.join(hist, "history", "plots", "x86_64-2cpu-test-blowup.svg")
    check(os.path.exists(svg) and not svg_ok(svg), "the history figures are well-formed SVGs")


def blocks(path):
    """A gnuplot data file's blocks (split by two blank lines) as lists of
    dicts by its column names."""
    out = []
    for block in open(path).read().split("\n\n\n"):
        rows = [ln.split("\t") for ln in block.splitlines() if ln and not ln.startswith("#")]
        if rows:
            out.append([dict(zip(rows[0], r)) for r in rows[1:]])
    return out


def at_a_glance(run):
    """What the figures carry: the summary in absolute units with ratios as
    labels and arena counts as counts; each memory panel its own time range;
    no one run's heap drawn against every other's RSS."""
    import json
    summary = json.load(open(os.path.join(run, "summary.json")))
    meta = json.load(open(os.path.join(run, "meta.json")))
    names = [a["name"] for a in meta["allocators"]]
    g = {(x["workload"], x["threads"], x["allocator"]): x for x in summary["groups"]}
    data = blocks(os.path.join(run, "plots", "summary.tsv"))
    ok = len(data) == len(names)
    for a, rows in zip(names, data):
        key = ("tile-cache", 4, a)
        row = rows[1] if len(rows) > 1 else {}  # clusters: tile-cache t1, t4, ...
        want = g[key]["peak_rss_bytes"]["median"] / 1048576
        ratio = want / (g[("tile-cache", 4, "glibc")]["peak_rss_bytes"]["median"] / 1048576)
        ok &= abs(float(row.get("peak_rss", "nan")) - want) < 1e-3 * want
        ok &= row.get("peak_rss_lab") == f"{ratio:.2f}x"
        arenas = g[key]["arenas"]["median"]
        ok &= row.get("arenas_lab") == ("-" if arenas is None else f"{arenas:.0f}")
    check(ok, "summary.tsv: peak RSS in MiB, its ratio to glibc as the label (glibc 1.00x), "
              "arena counts as counts")
    vars_ = open(os.path.join(run, "plots", "tile-cache-t4-memory.vars")).read()
    check("heap_ref" not in vars_ and "array pxmax[4]" in vars_,
          "the memory figure: each panel its own time range, no shared heap in the overlay")


def without_gnuplot(work):
    run = fresh_run(work, "run-nognuplot")
    r = wimm("plot", run, env={"WIMM_GNUPLOT": "none"})
    check(r.returncode == 3, f"without gnuplot wimm plot exits 3 (got {r.returncode})")
    check("gnuplot not found" in r.stderr and "render.sh" in r.stderr and "apt-get install" in r.stderr,
          f"it says how to render the figures: {r.stderr[-300:]}")
    plots = os.path.join(run, "plots")
    check(all(os.path.exists(os.path.join(plots, f))
              for f in ("memory.gp", "summary.gp", "render.sh", "summary.vars", "summary.tsv",
                        "tile-cache-t4-memory.vars")),
          "the scripts, vars and data are written")
    check(not glob.glob(os.path.join(plots, "*.png")), "no image is made")
    at_a_glance(run)
    html = open(os.path.join(run, "report.html")).read()
    check("gnuplot was not found" in html, "report.html says the figures were not rendered")

    out = os.path.join(work, "results")
    r = wimm("run", WORKLOAD, "-a", "glibc", "--out", out, "--no-probe",
             env={"WIMM_GNUPLOT": "none"})
    latest = os.path.realpath(os.path.join(out, "latest"))
    check(r.returncode == 0, f"wimm run without gnuplot still exits 0 (got {r.returncode}: "
                             f"{r.stderr[-300:]})")
    check("gnuplot not found" in r.stderr and os.path.exists(os.path.join(latest, "report.html"))
          and os.path.exists(os.path.join(latest, "plots", "render.sh")),
          "the run writes its report and plot scripts and says how to render them")


def usage():
    r = wimm("plot", "--help")
    check(r.returncode == 0 and "usage: wimm plot" in r.stdout, "wimm plot --help")
    r = wimm("plot", "/nonexistent/run")
    check(r.returncode == 2, f"a missing run directory exits 2 (got {r.returncode})")
    r = wimm("plot", "--bogus")
    check(r.returncode == 2, f"an unknown option exits 2 (got {r.returncode})")
    empty = tempfile.mkdtemp(prefix="wimm-plot-empty-")
    r = wimm("plot", "--history", empty)
    check(r.returncode == 2 and "no history" in r.stderr, f"no history exits 2 ({r.stderr[-200:]})")


def main():
    work = tempfile.mkdtemp(prefix="wimm-plot-")
    usage()
    without_gnuplot(work)
    if shutil.which("gnuplot"):
        with_gnuplot(work)
    else:
        skip("figures rendered by gnuplot", "gnuplot is not installed (scripts/deps.sh installs it)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
    finish()
